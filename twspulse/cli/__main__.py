"""``python -m twspulse.cli``: how the demo and the tests start a twspulse process with this interpreter."""

from twspulse.cli.root import main

if __name__ == "__main__":
    main()
