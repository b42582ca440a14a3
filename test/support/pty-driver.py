# Runs a command in a pseudo-terminal and answers its prompts: for the tests of interactive prompting.
# Usage: python3 pty-driver.py '<json: {"argv": [...], "env": {...}, "answers": [[prompt, answer], ...]}>'
# Prints JSON {"transcript": ..., "status": exit code}.
import json
import os
import pty
import select
import sys

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])

transcript = b""


def read_more(timeout):
    global transcript
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # the child closed the terminal
        return False
    if not chunk:
        return False
    transcript += chunk
    return True


for prompt, answer in spec["answers"]:
    while prompt.encode() not in transcript:
        if not read_more(10):
            break
    os.write(fd, answer.encode() + b"\r")
while read_more(10):
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({"transcript": transcript.decode("utf-8", "replace"), "status": os.waitstatus_to_exitcode(status)}))
