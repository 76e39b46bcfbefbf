"""A process that is alive but frozen (SIGSTOP: a stuck event loop, a machine swapping) is passed over by nginx for
page loads (issue 28: with one read timeout of an hour for every request, page loads to it hung up to 22.6 s).
``deploy/nginx.conf.template`` gives plain requests 2 s to start answering before they go to the next process; the
WebSocket keeps its long timeout."""

from __future__ import annotations

import time

import httpx

from tests.cluster.conftest import DAY, Cluster, browsers, route_to, upstream_of, wait_until

ANSWER_WITHIN = 3.0  # seconds: the condition each page load must meet while a process is frozen


def load(cluster: Cluster, cookies: dict[str, str]) -> httpx.Response:
    """A page load that must be answered within :data:`ANSWER_WITHIN` (httpx raises a timeout otherwise)."""
    response = httpx.get(f'{cluster.url}/login', cookies=cookies, timeout=ANSWER_WITHIN)
    assert response.status_code == 200
    return response


def test_page_loads_pass_over_a_frozen_process_within_three_seconds(chromium, cluster):
    fresh = route_to(cluster, 1)  # a new browser's route cookie that hashes to process 1 (no page of it exists)
    with browsers(chromium, cluster, 1) as (signed_in,):  # an existing browser of process 1, signed in
        (sticky,) = [c['value'] for c in signed_in.context.cookies() if c['name'] == 'cp_route']
        cluster.run('node-pause', '1')
        try:
            # the signed-in browser's request for a page (the lightest: the time measured is nginx's, not the
            # page's), with its cookies; asked through the browser's request API, as a goto of a page whose own
            # script reloads it (its socket went quiet) can end without a response of its own (None)
            response = signed_in.context.request.get(f'{cluster.url}/login', timeout=ANSWER_WITHIN * 1000)
            assert cluster.tried(response.headers['x-clientpulse-upstream']) == [1, 2]  # met it frozen, went on
            # and goes on there, still signed in (sign-ins are kept in Redis)
            response = signed_in.context.request.get(f'{cluster.url}/bookings?day={DAY}', timeout=30_000)
            assert cluster.node_of(response.headers['x-clientpulse-upstream']) == 2
            signed_in.goto(f'{cluster.url}/bookings?day={DAY}', timeout=30_000)
            signed_in.get_by_role('button', name='New booking').wait_for(timeout=15_000)
            # nginx asks process 1 again once its 5 s (fail_timeout) are over: the next loads meet it frozen too
            time.sleep(5.5)
            assert cluster.tried(load(cluster, {'cp_route': fresh}).headers['x-clientpulse-upstream']) == [1, 2]
            for _ in range(6):  # new browsers without a cookie: whichever process their random route hashes to
                assert cluster.node_of(load(cluster, {}).headers['x-clientpulse-upstream']) == 2
        finally:
            cluster.run('node-resume', '1')
    # thawed: process 1 serves its browsers again
    wait_until(lambda: cluster.node_of(upstream_of(cluster.url, {'cp_route': sticky})) == 1, 30,
               'process 1 serves its browsers again')
