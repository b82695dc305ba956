#!/usr/bin/env python3
"""Upload acknowledgement throughput of `intake serve --role api` processes sharing one PostgreSQL (issue 13).

Starts N API processes (each with a data folder of its own, blobs in PostgreSQL or in one shared folder), then
client processes that keep `--in-flight` uploads of small one-page PDFs going, spread over the API processes, for
`--uploads` uploads in all. Every answer must be 202 with an upload id: an acknowledged upload is durable (its
bytes and row committed). Prints uploads acknowledged per second for one API process and for `--apis`, measured in
the same run on the same server, and their ratio. Standard library only.
"""
import argparse, http.client, json, multiprocessing, os, shutil, signal, subprocess, tempfile, threading, time

from http_load import make_pdf


class API:
    """One `intake serve --role api` on a free loopback port, against the benchmark's database."""

    def __init__(self, intake, config, environment):
        self.data = tempfile.mkdtemp(prefix="intake-ack-bench-")
        common = ["--data", self.data] + (["--config", config] if config else [])
        self.process = subprocess.Popen([intake, "serve", "--role", "api", "--listen", "127.0.0.1:0",
                                         "--metrics-listen", "127.0.0.1:0", "--log-level", "error"] + common,
                                        stdout=subprocess.PIPE, text=True, env=environment)
        self.port = None
        while self.port is None:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("intake serve exited before listening")
            if line.startswith("intake: listening on http://"):
                self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        shutil.rmtree(self.data, ignore_errors=True)


def client(ports, token, first, count, threads, size, results):
    """`count` uploads from this process, numbered from `first`, `threads` at a time, round-robin over `ports`."""
    next_index, lock, failures = [first], threading.Lock(), []
    body = make_pdf(size, 0)

    def worker(slot):
        connections = {}
        while True:
            with lock:
                index = next_index[0]
                if index >= first + count:
                    break
                next_index[0] += 1
            port = ports[index % len(ports)]
            connection = connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connections[port] = connection
            unique = body[:-6] + b"%" + str(index).encode() + b"\n%%EOF\n"
            connection.request("POST", f"/v1/applications/ACK-{index // 5}/uploads?slot=attachment", body=unique,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/pdf"})
            response = connection.getresponse()
            answer = response.read()
            if response.status not in (200, 202) or "upload" not in json.loads(answer):
                failures.append(f"{response.status} {answer[:120]!r}")
                break
    pool = [threading.Thread(target=worker, args=(slot,)) for slot in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put(failures)


def measure(apis, token, uploads, clients, in_flight, size, offset):
    """Uploads acknowledged per second by `apis`, from `clients` processes keeping `in_flight` going."""
    results = multiprocessing.Queue()
    share = uploads // clients
    processes = [multiprocessing.Process(target=client, args=(
        [api.port for api in apis], token, offset + index * share, share, max(1, in_flight // clients), size,
        results)) for index in range(clients)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    failures = [failure for _ in processes for failure in results.get()]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"uploads refused: {failures[:3]}")
    return share * clients / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intake", default=".build-bench/release/intake")
    parser.add_argument("--config", default="Config/intake.conf")
    parser.add_argument("--store-url", required=True)
    parser.add_argument("--blobs-url", default="postgres")
    parser.add_argument("--apis", type=int, default=2)
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--size", type=int, default=100_000)
    arguments = parser.parse_args()
    environment = dict(os.environ, INTAKE_STORE_URL=arguments.store_url, INTAKE_BLOBS_URL=arguments.blobs_url)
    scratch = tempfile.mkdtemp(prefix="intake-ack-token-")
    common = ["--data", scratch, "--config", arguments.config]
    subprocess.check_call([arguments.intake, "migrate"] + common, env=environment, stdout=subprocess.DEVNULL)
    token = subprocess.check_output([arguments.intake, "token", "create", "--uploader", "bench"] + common,
                                    env=environment, stderr=subprocess.DEVNULL, text=True).strip()
    shutil.rmtree(scratch, ignore_errors=True)
    apis = [API(arguments.intake, arguments.config, environment) for _ in range(arguments.apis)]
    try:
        measure(apis[:1], token, 200, 1, 4, arguments.size, 10_000_000)  # warm up: connections, pages, caches
        one = measure(apis[:1], token, arguments.uploads, arguments.clients, arguments.in_flight, arguments.size, 0)
        many = measure(apis, token, arguments.uploads, arguments.clients, arguments.in_flight, arguments.size,
                       arguments.uploads)
    finally:
        for api in apis:
            api.stop()
    print(f"upload acknowledgement, {arguments.size // 1000} kB PDFs, {arguments.in_flight} in flight from "
          f"{arguments.clients} client processes, blobs.url = {arguments.blobs_url}:")
    print(f"  1 API process   {one:8.0f} uploads/s")
    print(f"  {arguments.apis} API processes {many:8.0f} uploads/s   ({many / one:.2f}× one)")


if __name__ == "__main__":
    main()
