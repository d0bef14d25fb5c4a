#!/usr/bin/env python3
"""Benchmark peer: list every pull request of one repository, in every state,
with atlassian-python-api (tested with 5.0.5: pip install atlassian-python-api==5.0.5).

Usage: peer_atlassian.py BASE_URL EMAIL TOKEN WORKSPACE REPO [--mode each|paged]

BASE_URL is the API base, e.g. https://api.bitbucket.org/2.0 or the fake's
base_url() (http://127.0.0.1:PORT/2.0); a trailing /2.0 is stripped because the
library's Cloud client always appends it itself (so the fake must keep its
default "/2.0" prefix). EMAIL and TOKEN are an Atlassian account email and API
token (HTTP Basic). The library follows the absolute `next` links and the
repository's `links.self`, so those must point at the server being measured.

Prints one JSON line: {"rows": N, "seconds": S, "requests": R, "mode": M}.
The clock runs around the listing only (repository lookup included), after
imports and client construction.

Modes (the page size is the library's default: it sends no pagelen, so
Bitbucket's default of 10 pull requests per page applies):

* each (default): the library's high-level API,
  cloud.repositories.get(WORKSPACE, REPO).pullrequests.each(q=...) with a BBQL
  query naming all four states (each() takes no state parameter). Requests:
    GET {BASE}/repositories/{ws}/{repo}
    GET {BASE}/repositories/{ws}/{repo}/pullrequests/?q=state="OPEN" OR ...
    then, for each listed pull request, GET .../pullrequests/{id}
    (each() re-fetches every pull request), and GET of each absolute `next`
    link as the generator advances: 2 + pages + N requests, one at a time.
* paged: the library's lower-level paged GET (BitbucketCloudBase._get_paged,
  what each() itself uses) on the same PullRequests resource, with the query
  the connector sends: state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED.
  Requests: GET the repository, then the list pages following `next`
  (1 + pages requests), without the per-pull-request GET.
"""

import json
import sys
import time

from atlassian.bitbucket import Cloud

STATES = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--mode")]
    mode = "each"
    for i, a in enumerate(argv[1:], start=1):
        if a.startswith("--mode="):
            mode = a.split("=", 1)[1]
        elif a == "--mode" and i + 1 < len(argv):
            mode = argv[i + 1]
            args.remove(mode)
    if len(args) != 5 or mode not in ("each", "paged"):
        sys.stderr.write(__doc__)
        return 2
    base, email, token, workspace, repo_slug = args
    root = base.rstrip("/")
    if root.endswith("/2.0"):
        root = root[: -len("/2.0")]

    cloud = Cloud(url=root, username=email, password=token, cloud=True)

    # Count the HTTP requests the library makes (one Session is shared by
    # every object it creates).
    requests_made = [0]
    session = cloud._session
    send = session.request

    def counting_request(*a, **kw):
        requests_made[0] += 1
        return send(*a, **kw)

    session.request = counting_request

    start = time.perf_counter()
    repo = cloud.repositories.get(workspace, repo_slug)
    rows = 0
    if mode == "each":
        q = " OR ".join(f'state="{s}"' for s in STATES)
        for _pr in repo.pullrequests.each(q=q):
            rows += 1
    else:
        for _pr in repo.pullrequests._get_paged(None, trailing=True, params={"state": STATES}):
            rows += 1
    seconds = time.perf_counter() - start

    print(json.dumps({"rows": rows, "seconds": round(seconds, 3), "requests": requests_made[0], "mode": mode}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
