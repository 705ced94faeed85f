"""What a job that failed tells people (iisg.core.jobs.failure_text), whichever job it is."""

from iisg.core import jobs

STOPPED = "Stopped with the worker."
UNEXPECTED = "It stopped on an unexpected error (%(kind)s: %(message)s)."


def test_a_job_stopped_with_its_worker_says_so():
    assert jobs.failure_text(SystemExit(), stopped=STOPPED, unexpected=UNEXPECTED) == STOPPED
    assert jobs.failure_text(KeyboardInterrupt(), stopped=STOPPED, unexpected=UNEXPECTED) == STOPPED


def test_an_unexpected_error_is_named_by_its_kind_and_message():
    text = jobs.failure_text(ValueError(" no such file "), stopped=STOPPED, unexpected=UNEXPECTED)
    assert text == "It stopped on an unexpected error (ValueError: no such file)."
    assert jobs.failure_text(ValueError(), stopped=STOPPED, unexpected=UNEXPECTED) == (
        "It stopped on an unexpected error (ValueError: —)."
    )


def test_a_long_error_is_cut_to_the_length_people_read():
    text = jobs.failure_text(ValueError("x" * 5000), stopped=STOPPED, unexpected=UNEXPECTED)
    assert len(text) == jobs.ERROR_LENGTH
    assert text.endswith("x…")
