"""ClientPulse entry point: ``python main.py`` (or ``clientpulse run``)."""

from app import start

if __name__ in {'__main__', '__mp_main__'}:
    start.serve()
