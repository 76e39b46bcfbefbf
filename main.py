"""ClientPulse entry point: ``python main.py`` (or ``clientpulse run``)."""

from app import server

if __name__ in {'__main__', '__mp_main__'}:
    server.run()
