"""After signing in, the app sends a browser only to a path of its own (no open redirect)."""

from __future__ import annotations

import pytest

from app.services.redirects import local_path

OUTSIDE = ['//evil.example', '///evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example/',
           'http:evil.example', 'javascript:alert(1)', '/\t/evil.example', '/\n/evil.example', ' //evil.example',
           '/%2F/evil.example', '/%5Cevil.example', '/%09/evil.example', '%2F%2Fevil.example', 'evil.example',
           '', None, 42, '/' + 'a' * 2001, 'data:text/html,<script>alert(1)</script>', '/\x00/evil.example']
INSIDE = ['/', '/bookings', '/bookings?day=2030-03-04', '/customers/12', '/chat?c=3#latest',
          '/analytics?from=2030-01-01&to=2030-01-31']


@pytest.mark.parametrize('target', OUTSIDE)
def test_anything_that_leaves_the_app_is_refused(target):
    assert local_path(target) is None


@pytest.mark.parametrize('target', INSIDE)
def test_the_apps_own_paths_are_kept(target):
    assert local_path(target) == target
