"""The main job: every training operation against the bundled local Replicate.

    make demo

Starts `replicate_trainings.testing` on a free loopback port, then uses the facade exactly
as against the real API: create a training, watch it, list with pagination, cancel
another, and show what an error looks like. Nothing leaves this machine.
"""

from __future__ import annotations

import sys

from replicate_trainings import Client, NotFoundError, ReplicateError, Training
from replicate_trainings.testing import Progression, serve

VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"


def show(training: Training) -> str:
    last_log = (training.logs or "").strip().splitlines()[-1:] or ["(no logs yet)"]
    return f"{training.id}  {training.status:<10}  {last_log[0]}"


def main() -> int:
    progression = Progression.elapsed(0.4, processing_steps=4)
    with serve(seed=230, page_size=100, progression=progression) as server:
        print(f"local Replicate at {server.base_url}\n")
        with Client(server.token, base_url=server.base_url) as client:
            print("1. create a training of stability-ai/sdxl")
            training = client.trainings.create(
                f"stability-ai/sdxl:{VERSION}",
                destination="acme/sdxl-tuned",
                input={"input_images": "https://example.com/data.zip", "max_train_steps": 200},
            )
            print(f"   {show(training)}\n")

            print("2. watch it until it ends (each new status or log line)")
            for state in client.trainings.watch(training, poll_interval=0.1):
                print(f"   {show(state)}")
            done = client.trainings.wait(training)
            if done.output and done.metrics:
                print(f"   -> new version {done.output.version}")
                print(f"      weights {done.output.weights}")
                print(f"      {done.metrics.predict_time:.1f} s of compute\n")

            print("3. list every training, a page at a time")
            count = 0
            for number, page in enumerate(client.trainings.list().pages(), start=1):
                count += len(page.results)
                created = page.results[0].created_at if page.results else None
                newest = f"{created:%Y-%m-%d %H:%M}" if created else "-"
                print(
                    f"   page {number}: {len(page.results):>3} trainings, "
                    f"newest {newest}, next cursor {page.next_cursor!r}"
                )
            print(f"   {count} trainings in all\n")

            print("4. start another and cancel it")
            other = client.trainings.create(
                model="stability-ai/sdxl",
                version=VERSION,
                destination="acme/sdxl-tuned",
                input={"input_images": "https://example.com/more.zip"},
            )
            canceled = client.trainings.cancel(other.id)
            print(f"   {show(canceled)}\n")

            print("5. an error, as the API gives it")
            try:
                client.trainings.get("no-such-training")
            except NotFoundError as error:
                print(f"   {type(error).__name__}: {error}")
                print(f"   status={error.status_code} title={error.title!r}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ReplicateError as error:
        sys.exit(f"demo failed: {type(error).__name__}: {error}")
