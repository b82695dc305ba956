"""The queue benchmark's peer: procrastinate (PyPI) deferring and working no-op jobs on the same PostgreSQL.

Usage: queue_peer.py --dsn postgresql://… --jobs N --concurrency C
Prints one JSON line: {"deferred_per_second": …, "worked_per_second": …}. The database must be empty; the
schema is applied first (not timed). Deferring goes through one connection, one job per statement, as an
application deferring jobs one by one would; the worker runs until the queue is empty (wait=False).
"""

import argparse
import asyncio
import json
import logging
import time

import procrastinate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=arguments.dsn))

    @app.task(name="noop")
    async def noop() -> None:
        return None

    async def run() -> dict:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            start = time.perf_counter()
            for _ in range(arguments.jobs):
                await noop.defer_async()
            deferred = time.perf_counter()
            await app.run_worker_async(concurrency=arguments.concurrency, wait=False, install_signal_handlers=False)
            worked = time.perf_counter()
            return {
                "deferred_per_second": arguments.jobs / (deferred - start),
                "worked_per_second": arguments.jobs / (worked - deferred),
            }

    print(json.dumps(asyncio.run(run())))


if __name__ == "__main__":
    main()
