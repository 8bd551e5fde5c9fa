from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, UnauthenticatedClient
from ...models.problem_details_model import ProblemDetailsModel
from ...models.training_page_model import TrainingPageModel
from ...types import UNSET, DetailedResponse, Unset


def build_request_kwargs(
    *,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:
    """This operation's request, as keyword arguments for ``httpx.Client.request``.

    Keys: ``method``, ``url`` (relative to the API's base URL) and, when the operation has
    them, ``params``, ``json``, ``headers``, ``cookies``. Public, for callers that send the
    request through their own HTTP stack; ``sync_detailed`` and friends use it too.
    """

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/trainings",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | UnauthenticatedClient, response: httpx.Response
) -> ProblemDetailsModel | TrainingPageModel:
    if response.status_code == 200:
        response_200 = TrainingPageModel.from_dict(response.json())

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
) -> DetailedResponse[ProblemDetailsModel | TrainingPageModel]:
    return DetailedResponse(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    cursor: str | Unset = UNSET,
) -> DetailedResponse[ProblemDetailsModel | TrainingPageModel]:
    """List trainings

     A page of the trainings of the token's user or organization, newest first, 100 a page. `next` and
    `previous` are absolute URLs that carry the `cursor` of the neighbouring page.

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DetailedResponse[ProblemDetailsModel | TrainingPageModel]
    """

    kwargs = build_request_kwargs(
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    cursor: str | Unset = UNSET,
) -> ProblemDetailsModel | TrainingPageModel | None:
    """List trainings

     A page of the trainings of the token's user or organization, newest first, 100 a page. `next` and
    `previous` are absolute URLs that carry the `cursor` of the neighbouring page.

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetailsModel | TrainingPageModel
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    cursor: str | Unset = UNSET,
) -> DetailedResponse[ProblemDetailsModel | TrainingPageModel]:
    """List trainings

     A page of the trainings of the token's user or organization, newest first, 100 a page. `next` and
    `previous` are absolute URLs that carry the `cursor` of the neighbouring page.

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DetailedResponse[ProblemDetailsModel | TrainingPageModel]
    """

    kwargs = build_request_kwargs(
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | UnauthenticatedClient,
    cursor: str | Unset = UNSET,
) -> ProblemDetailsModel | TrainingPageModel | None:
    """List trainings

     A page of the trainings of the token's user or organization, newest first, 100 a page. `next` and
    `previous` are absolute URLs that carry the `cursor` of the neighbouring page.

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetailsModel | TrainingPageModel
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
        )
    ).parsed
