"""Run the command line: ``python -m attention_core``."""
import sys

try:
    from .cli import main
    status = main()
except KeyboardInterrupt:   # Ctrl-C while the command line itself is still importing (torch, …)
    print("interrupted; nothing written", file=sys.stderr)
    status = 130
sys.exit(status)
