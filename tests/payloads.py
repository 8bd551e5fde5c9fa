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
