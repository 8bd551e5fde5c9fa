"""Realistic training payloads, as the API sends them, for parser tests."""

from __future__ import annotations

from typing import Any

VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"


def succeeded() -> dict[str, Any]:
    """A finished training, as `trainings.get` returns it."""
    return {
        "completed_at": "2023-09-08T16:41:19.826523Z",
        "created_at": "2023-09-08T16:32:57.018467Z",
        "error": None,
        "id": "zz4ibbonubfz7carwiefibzgga",
        "input": {"input_images": "https://example.com/my-input-images.zip"},
        "logs": "step 1\nstep 2\n",
        "metrics": {"predict_time": 502.713876, "total_time": 503.1},
        "output": {"version": "me/new:abc", "weights": "https://example.com/w.tar"},
        "started_at": "2023-09-08T16:32:57.112647Z",
        "source": "api",
        "status": "succeeded",
        "urls": {
            "web": "https://replicate.com/p/zz4ibbonubfz7carwiefibzgga",
            "get": "https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga",
            "cancel": "https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga/cancel",
        },
        "model": "stability-ai/sdxl",
        "version": VERSION,
    }


def just_created() -> dict[str, Any]:
    """A training as `trainings.create` returns it: nulls and an empty metrics object."""
    return {
        "id": "zz4ibbonubfz7carwiefibzgga",
        "model": "stability-ai/sdxl",
        "version": VERSION,
        "input": {"input_images": "https://example.com/my-input-images.zip"},
        "logs": None,
        "output": None,
        "error": None,
        "status": "starting",
        "created_at": "2023-09-08T16:32:56.990893084Z",
        "completed_at": None,
        "started_at": None,
        "metrics": {},
        "urls": {
            "web": "https://replicate.com/p/zz4ibbonubfz7carwiefibzgga",
            "get": "https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga",
            "cancel": "https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga/cancel",
        },
    }


_GET = "https://api.replicate.com/v1/trainings/"

RECORDED: list[dict[str, Any]] = [
    {  # 2023 answers to trainings.create: no `model`, a bare version id
        "id": "zz4ibbonubfz7carwiefibzgga",
        "version": VERSION,
        "input": {"input_images": "https://example.com/my-input-images.zip"},
        "logs": "",
        "error": None,
        "status": "starting",
        "created_at": "2023-03-28T21:47:58.566434Z",
        "urls": {"get": f"{_GET}zz4ibbonubfz7carwiefibzgga", "cancel": f"{_GET}x/cancel"},
    },
    {  # a canceled training listed with `input: null` and an empty metrics object
        "id": "ufawqhfynnddngldkgtslldrkq",
        "version": VERSION,
        "input": None,
        "output": None,
        "status": "canceled",
        "metrics": {},
        "created_at": "2023-06-01T10:00:00.000000Z",
        "completed_at": "2023-06-01T10:05:00.000000Z",
    },
    {  # a fixture whose timestamps are empty or impossible
        "id": "r8qn0tbnsthzxqc7kc2xf0vj0g",
        "model": "replicate/hello-world",
        "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
        "input": {"text": "Alice"},
        "status": "succeeded",
        "created_at": "",
        "started_at": "2022-04-26T20:00:84.583803Z",
        "completed_at": "2022-04-26T20:02:27.648305Z",
        "output": {"version": "me/new:abc", "weights": None},
        "metrics": {"predict_time": 3},
    },
    {  # a status this version does not know, a number where a string goes
        "id": "qastef62trgcbhbmw6glv2tqve",
        "status": "queued",
        "source": 1,
        "created_at": "2024-02-29T23:59:59+01:00",
        "urls": {"get": f"{_GET}qastef62trgcbhbmw6glv2tqve", "web": 7},
        "webhook_completed": None,
    },
]
"""Answers as official clients' fixtures recorded them: fields missing, null or malformed."""
