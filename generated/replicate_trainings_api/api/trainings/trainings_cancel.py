from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, UnauthenticatedClient
from ...models.problem_details_model import ProblemDetailsModel
from ...models.training_model import TrainingModel
from ...types import DetailedResponse, path_segment


def build_request_kwargs(
    training_id: str,
) -> dict[str, Any]:
    """This operation's request, as keyword arguments for ``httpx.Client.request``.

    Keys: ``method``, ``url`` (relative to the API's base URL) and, when the operation has
    them, ``params``, ``json``, ``headers``, ``cookies``. Public, for callers that send the
    request through their own HTTP stack; ``sync_detailed`` and friends use it too.

    Each path parameter must be one path segment (``types.path_segment``): a value such
    as ``..``, ``.``, ``""`` or one with ``/`` raises ValueError here, before anything is sent.
    """

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/trainings/{training_id}/cancel".format(
            training_id=path_segment("training_id", training_id),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | UnauthenticatedClient, response: httpx.Response
) -> ProblemDetailsModel | TrainingModel:
    if response.status_code == 200:
        response_200 = TrainingModel.from_dict(response.json())

        return response_200

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
    training_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
) -> DetailedResponse[ProblemDetailsModel | TrainingModel]:
    """Cancel a training

     Cancel a training that has not finished. Canceling a training that has already finished returns it
    unchanged.

    Args:
        training_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DetailedResponse[ProblemDetailsModel | TrainingModel]
    """

    kwargs = build_request_kwargs(
        training_id=training_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    training_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
) -> ProblemDetailsModel | TrainingModel | None:
    """Cancel a training

     Cancel a training that has not finished. Canceling a training that has already finished returns it
    unchanged.

    Args:
        training_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetailsModel | TrainingModel
    """

    return sync_detailed(
        training_id=training_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    training_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
) -> DetailedResponse[ProblemDetailsModel | TrainingModel]:
    """Cancel a training

     Cancel a training that has not finished. Canceling a training that has already finished returns it
    unchanged.

    Args:
        training_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DetailedResponse[ProblemDetailsModel | TrainingModel]
    """

    kwargs = build_request_kwargs(
        training_id=training_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    training_id: str,
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
) -> ProblemDetailsModel | TrainingModel | None:
    """Cancel a training

     Cancel a training that has not finished. Canceling a training that has already finished returns it
    unchanged.

    Args:
        training_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetailsModel | TrainingModel
    """

    return (
        await asyncio_detailed(
            training_id=training_id,
            client=client,
        )
    ).parsed
