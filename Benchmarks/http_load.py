#!/usr/bin/env python3
"""The HTTP service under a bounded load from a second process on loopback (issue 12's benchmark).

Starts `intake serve` on free ports with a fresh data folder and a token, then measures:
  1. upload acknowledgement latency (p50, p99) for 1-5 MB PDFs sent at a fixed rate (default 20 uploads/s),
  2. upload-to-verdict latency (p99): from the first byte sent to the verdict, read with GET ?wait=,
  3. the server's peak resident memory while 50 uploads of 25 MB are in flight at once (bodies are streamed).
Standard library only. Prints one table; --json prints one document.
"""
import argparse, http.client, json, os, random, shutil, signal, statistics, subprocess, sys, tempfile, threading, time

def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))] if ordered else float("nan")

def make_pdf(size, seed):
    """A valid one-page PDF padded with a comment to `size` bytes, unique per seed (no duplicates)."""
    head = b"%PDF-1.4\n%" + str(seed).encode() + b"\n"
    body = (b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
            b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>\nendobj\n")
    padding = b"%" + b"x" * max(0, size - len(head) - len(body) - 200) + b"\n"
    prefix = head + padding + body
    offsets, position = [], len(head) + len(padding)
    for part in body.split(b"endobj\n")[:-1]:
        offsets.append(position)
        position += len(part) + len(b"endobj\n")
    xref = b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return prefix + xref + b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % len(prefix)

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

class Server:
    def __init__(self, intake, config):
        self.data = tempfile.mkdtemp(prefix="intake-http-bench-")
        common = ["--data", self.data] + (["--config", config] if config else [])
        self.token = subprocess.check_output([intake, "token", "create", "--uploader", "bench"] + common,
                                             stderr=subprocess.DEVNULL, text=True).strip()
        self.process = subprocess.Popen([intake, "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                                         "--log-level", "error"] + common, stdout=subprocess.PIPE, text=True)
        self.port = None
        while self.port is None:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("intake serve exited before listening")
            if line.startswith("intake: listening on http://"):
                self.port = int(line.rsplit(":", 1)[1])

    def upload(self, application, body):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        connection.request("POST", f"/v1/applications/{application}/uploads?slot=attachment", body=body,
                           headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/pdf"})
        response = connection.getresponse()
        answer = response.read()
        acknowledged = time.perf_counter()
        connection.close()
        if response.status not in (200, 202):
            raise RuntimeError(f"upload answered {response.status}: {answer[:200]!r}")
        return started, acknowledged, json.loads(answer)["upload"]

    def verdict(self, upload):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("GET", f"/v1/uploads/{upload}?wait=60s", headers={"Authorization": f"Bearer {self.token}"})
        state = json.loads(connection.getresponse().read())["state"]
        connection.close()
        return time.perf_counter(), state

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        shutil.rmtree(self.data, ignore_errors=True)

def paced_uploads(server, count, rate):
    """`count` uploads of 1-5 MB started every 1/rate s, each verdict awaited in its own thread."""
    random.seed(7)
    bodies = [make_pdf(random.randint(1_000_000, 5_000_000), seed) for seed in range(count)]
    results, lock, threads = [], threading.Lock(), []
    def one(index):
        started, acknowledged, upload = server.upload(f"PACED-{index}", bodies[index])
        judged, state = server.verdict(upload)
        with lock:
            results.append((acknowledged - started, judged - started, state))
    begin = time.perf_counter()
    for index in range(count):
        delay = begin + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one, args=(index,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return results

def concurrent_large(server, count, size):
    """`count` uploads of `size` bytes at once, sampling the server's resident memory meanwhile."""
    body = make_pdf(size, 0)
    peak, done = [rss_kb(server.process.pid)], threading.Event()
    def sample():
        while not done.is_set():
            peak.append(rss_kb(server.process.pid))
            time.sleep(0.01)
    sampler = threading.Thread(target=sample)
    sampler.start()
    bodies = [body[:-6] + b"%" + str(index).encode() + b"\n%%EOF\n" for index in range(count)]
    threads = [threading.Thread(target=server.upload, args=(f"LARGE-{index}", bodies[index])) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sampler.join()
    return max(peak), peak[0]

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intake", default=".build-bench/release/intake")
    parser.add_argument("--config", default="Config/intake.conf")
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--large", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    server = Server(arguments.intake, arguments.config)
    try:
        idle_kb = rss_kb(server.process.pid)
        paced = paced_uploads(server, arguments.uploads, arguments.rate)
        peak_kb, before_kb = concurrent_large(server, arguments.large, 25_000_000)
    finally:
        server.stop()
    acknowledgements = [a * 1000 for a, _, _ in paced]
    verdicts = [v * 1000 for _, v, _ in paced]
    report = {
        "uploads": len(paced), "rate_per_second": arguments.rate,
        "acknowledgement_ms": {"p50": percentile(acknowledgements, 0.5), "p99": percentile(acknowledgements, 0.99)},
        "upload_to_verdict_ms": {"p50": percentile(verdicts, 0.5), "p99": percentile(verdicts, 0.99)},
        "states": {state: sum(1 for *_, s in paced if s == state) for state in {s for *_, s in paced}},
        "large_uploads": arguments.large, "peak_rss_mb": peak_kb / 1024, "rss_before_mb": before_kb / 1024,
        "idle_rss_mb": idle_kb / 1024,
        "goals": {"acknowledgement_p99_ms": 50, "upload_to_verdict_p99_ms": 250, "peak_rss_mb": 200},
    }
    if arguments.json:
        print(json.dumps(report, indent=2))
        return
    print(f"intake serve under load: {report['uploads']} uploads of 1-5 MB at {arguments.rate:g}/s, then "
          f"{arguments.large} × 25 MB at once (loopback, one client process)")
    print(f"  acknowledgement  p50 {report['acknowledgement_ms']['p50']:7.1f} ms   p99 "
          f"{report['acknowledgement_ms']['p99']:7.1f} ms   (goal p99 ≤ 50 ms)")
    print(f"  upload → verdict p50 {report['upload_to_verdict_ms']['p50']:7.1f} ms   p99 "
          f"{report['upload_to_verdict_ms']['p99']:7.1f} ms   (goal p99 ≤ 250 ms)")
    print(f"  verdicts {report['states']}")
    print(f"  resident memory: idle {report['idle_rss_mb']:.0f} MB, peak with {arguments.large} × 25 MB in flight "
          f"{report['peak_rss_mb']:.0f} MB   (goal ≤ 200 MB)")

if __name__ == "__main__":
    main()
