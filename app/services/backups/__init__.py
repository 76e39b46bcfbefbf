"""Backups and restore: the archive (:mod:`.archive`), sealing it with a passphrase (:mod:`.sealing`), bringing one
back (:mod:`.restore`) and the owner's schedule with its status and bell (:mod:`.schedule`)."""
