"""The bounded per-process memo every busy path's cache keeps its entries in (webapp/memo.py):
it never holds more than its bound, the entry stored longest ago goes first, and threads storing,
reading and taking at once neither break it nor push it past its bound."""
import threading

from webapp.memo import Memo


def test_it_holds_what_was_put_up_to_its_bound_and_drops_the_oldest_first():
    memo = Memo(3)
    for key in "abcd":
        assert memo.put(key, key.upper()) == key.upper()
    assert len(memo) == 3
    assert memo.get("a") is None and "a" not in memo  # the oldest went
    assert [memo.get(key) for key in "bcd"] == ["B", "C", "D"]
    assert memo.get("a", "none") == "none"


def test_a_key_put_again_counts_as_the_newest():
    memo = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    memo.put("a", 3)  # "b" is now the oldest
    memo.put("c", 4)
    assert memo.get("a") == 3 and memo.get("b") is None and memo.get("c") == 4


def test_a_bound_given_with_put_is_the_one_kept_and_zero_keeps_nothing():
    memo = Memo(10)
    for number in range(5):
        memo.put(number, number)
    memo.put(5, 5, limit=2)
    assert len(memo) == 2 and memo.get(4) == 4 and memo.get(5) == 5
    memo.put(6, 6, limit=0)
    assert len(memo) == 0


def test_pop_takes_an_entry_once_and_clear_forgets_all():
    memo = Memo(4)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.pop("a") == 1
    assert memo.pop("a") is None and memo.pop("a", "gone") == "gone"
    memo.clear()
    assert len(memo) == 0 and memo.get("b") is None


def test_threads_putting_reading_and_taking_at_once_stay_within_the_bound():
    # (On CPython's GIL one OrderedDict call is atomic: an unlocked memo passes too; the lock
    # keeps a put's room-then-entry whole wherever threads may switch inside it.)
    memo, errors, taken, working = Memo(50), [], [], []
    start = threading.Barrier(9)

    def work(offset):
        try:
            start.wait()
            for number in range(3_000):
                key = (offset, number)
                memo.put(key, number)
                found = memo.get(key)
                if found is not None and found != number:
                    errors.append(f"{key} read {found}")
                if number % 3 == 0 and memo.pop(key) is not None:
                    taken.append(key)
        except Exception as err:  # reported below
            errors.append(err)
        finally:
            working.pop()

    def watch():  # what a reader sees while the others write: never more than the bound
        start.wait()
        while working:
            if len(memo) > 50:
                errors.append(f"{len(memo)} entries")

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    working.extend(threads)
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(taken)) == len(taken)  # no entry was taken twice
    assert len(memo) == 50  # full, not emptied: the oldest went one by one


def test_a_snapshot_is_a_copy_in_storing_order():
    memo = Memo(3)
    for key in "abcd":
        memo.put(key, key.upper())
    copy = memo.snapshot()
    assert list(copy.items()) == [("b", "B"), ("c", "C"), ("d", "D")]
    copy.clear()
    assert memo.get("d") == "D"
