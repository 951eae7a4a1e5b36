"""What a log-in costs: the password hash's time per parameter set, and whether it stalls other
threads of the same process (does the hash hold the GIL?).

    .venv/bin/python bench/bench_login.py

Prints figures; it is not a test. No database is needed.
"""
import os
import statistics
import threading
import time

from werkzeug.security import check_password_hash, generate_password_hash

METHODS = ["scrypt:16384:8:1", "scrypt:32768:8:1", "scrypt:65536:8:1", "scrypt:131072:8:1",
           "pbkdf2:sha256:600000"]


def verify_ms(method, repeat=7):
    """Median milliseconds of one check_password_hash (what a log-in pays)."""
    stored = generate_password_hash("demo1234", method=method)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert check_password_hash(stored, "demo1234")
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def python_work_rate(seconds=1.0, hashing_threads=0, method="scrypt:32768:8:1"):
    """Pure-Python loop iterations per second in one thread while ``hashing_threads`` hash."""
    stored = generate_password_hash("demo1234", method=method)
    stop = threading.Event()

    def hash_forever():
        while not stop.is_set():
            check_password_hash(stored, "demo1234")

    helpers = [threading.Thread(target=hash_forever) for _ in range(hashing_threads)]
    for helper in helpers:
        helper.start()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(1000):
            count += 1
    elapsed = time.perf_counter() - started
    stop.set()
    for helper in helpers:
        helper.join()
    return count / elapsed


def main():
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    print("default method:", generate_password_hash("x").split("$")[0])
    for method in METHODS:
        print(f"{method:<22} verify {verify_ms(method):7.1f} ms")
    alone = python_work_rate()
    for threads in (1, 2):
        beside = python_work_rate(hashing_threads=threads)
        print(f"Python work beside {threads} hashing thread(s): {beside / alone:.2f} of its rate alone "
              f"(1.00 = the hash does not hold the GIL)")


if __name__ == "__main__":
    main()
