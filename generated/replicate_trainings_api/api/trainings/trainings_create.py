from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, UnauthenticatedClient
from ...models.problem_details_model import ProblemDetailsModel
from ...models.training_model import TrainingModel
from ...models.training_request_model import TrainingRequestModel
from ...types import DetailedResponse, path_segment


def build_request_kwargs(
    model_owner: str,
    model_name: str,
    version_id: str,
    *,
    body: TrainingRequestModel,
) -> dict[str, Any]:
    """This operation's request, as keyword arguments for ``httpx.Client.request``.

    Keys: ``method``, ``url`` (relative to the API's base URL) and, when the operation has
    them, ``params``, ``json``, ``headers``, ``cookies``. Public, for callers that send the
    request through their own HTTP stack; ``sync_detailed`` and friends use it too.

    Each path parameter must be one path segment (``types.path_segment``): a value such
    as ``..``, ``.``, ``""`` or one with ``/`` raises ValueError here, before anything is sent.
    """
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/models/{model_owner}/{model_name}/versions/{version_id}/trainings".format(
            model_owner=path_segment("model_owner", model_owner),
            model_name=path_segment("model_name", model_name),
            version_id=path_segment("version_id", version_id),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | UnauthenticatedClient, response: httpx.Response
) -> ProblemDetailsModel | TrainingModel:
    if response.status_code == 201:
        response_201 = TrainingModel.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ProblemDetailsModel.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ProblemDetailsModel.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ProblemDetailsModel.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ProblemDetailsModel.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ProblemDetailsModel.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = ProblemDetailsModel.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ProblemDetailsModel.from_dict(response.json())

        return response_429

    response_default = ProblemDetailsModel.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | UnauthenticatedClient, response: httpx.Response
) -> DetailedResponse[ProblemDetailsModel | TrainingModel]:
    return DetailedResponse(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    model_owner: str,
    model_name: str,
    version_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    body: TrainingRequestModel,
) -> DetailedResponse[ProblemDetailsModel | TrainingModel]:
    """Create a training

     Start a new training of the model version you specify. The training runs asynchronously: poll
    `trainings.get` or pass a `webhook`.

    Args:
        model_owner (str):
        model_name (str):
        version_id (str):
        body (TrainingRequestModel):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DetailedResponse[ProblemDetailsModel | TrainingModel]
    """

    kwargs = build_request_kwargs(
        model_owner=model_owner,
        model_name=model_name,
        version_id=version_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    model_owner: str,
    model_name: str,
    version_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    body: TrainingRequestModel,
) -> ProblemDetailsModel | TrainingModel | None:
    """Create a training

     Start a new training of the model version you specify. The training runs asynchronously: poll
    `trainings.get` or pass a `webhook`.

    Args:
        model_owner (str):
        model_name (str):
        version_id (str):
        body (TrainingRequestModel):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetailsModel | TrainingModel
    """

    return sync_detailed(
        model_owner=model_owner,
        model_name=model_name,
        version_id=version_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    model_owner: str,
    model_name: str,
    version_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    body: TrainingRequestModel,
) -> DetailedResponse[ProblemDetailsModel | TrainingModel]:
    """Create a training

     Start a new training of the model version you specify. The training runs asynchronously: poll
    `trainings.get` or pass a `webhook`.

    Args:
        model_owner (str):
        model_name (str):
        version_id (str):
        body (TrainingRequestModel):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DetailedResponse[ProblemDetailsModel | TrainingModel]
    """

    kwargs = build_request_kwargs(
        model_owner=model_owner,
        model_name=model_name,
        version_id=version_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    model_owner: str,
    model_name: str,
    version_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    body: TrainingRequestModel,
) -> ProblemDetailsModel | TrainingModel | None:
    """Create a training

     Start a new training of the model version you specify. The training runs asynchronously: poll
    `trainings.get` or pass a `webhook`.

    Args:
        model_owner (str):
        model_name (str):
        version_id (str):
        body (TrainingRequestModel):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetailsModel | TrainingModel
    """

    return (
        await asyncio_detailed(
            model_owner=model_owner,
            model_name=model_name,
            version_id=version_id,
            client=client,
            body=body,
        )
    ).parsed
