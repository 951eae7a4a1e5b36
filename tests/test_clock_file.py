"""The injectable clock's file (APP_CLOCK_FILE): read by a process that starts with it, and by
this process once told (``clock.use_file``), the environment itself read once."""
import os
import subprocess
import sys
from datetime import datetime, timezone

from webapp import clock


def test_a_process_started_with_the_variable_reads_the_file(tmp_path):
    path = tmp_path / "clock.txt"
    path.write_text("2031-05-06T07:08:09+00:00")
    environment = dict(os.environ, APP_CLOCK_FILE=str(path))
    shown = subprocess.run([sys.executable, "-c", "from webapp import clock; print(clock.now().isoformat())"],
                           env=environment, capture_output=True, text=True, check=True).stdout.strip()
    assert shown == "2031-05-06T07:08:09+00:00"


def test_use_file_moves_this_process_and_none_gives_the_system_clock_back(tmp_path):
    before = clock.clock_file()
    path = tmp_path / "clock.txt"
    path.write_text("2031-05-06T07:08:09")  # naive: UTC
    try:
        clock.use_file(str(path))
        assert clock.clock_file() == str(path)
        assert clock.now() == datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
        path.write_text("2031-05-07T00:00:00+00:00")  # the file is read at each reading
        assert clock.now() == datetime(2031, 5, 7, tzinfo=timezone.utc)
        clock.use_file(None)
        assert abs(clock.now() - datetime.now(timezone.utc)).total_seconds() < 60
    finally:
        clock.use_file(before)
