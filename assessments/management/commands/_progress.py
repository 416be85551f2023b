import sys


def terminal_progress(label, stream=sys.stderr):
    """A progress callback that redraws one line on a terminal and stays silent elsewhere."""
    if not stream.isatty():
        return None

    def report(done, total):
        stream.write(f"\r{label} {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return report
