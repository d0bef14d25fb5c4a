#!/usr/bin/env python3
"""Benchmark peer: the benchmark's jobs done with atlassian-python-api at its
best (tested with 5.0.5: pip install atlassian-python-api==5.0.5): the largest
page size each endpoint allows, one keep-alive requests.Session, paged GETs
through the library's own resources.

Usage: peer_atlassian.py BASE_URL EMAIL TOKEN WORKSPACE REPO JOB

BASE_URL is the API base, e.g. https://api.bitbucket.org/2.0 or the fake's
base_url(); a trailing /2.0 is stripped because the library's Cloud client
appends it itself. EMAIL and TOKEN are an Atlassian account email and API
token (HTTP Basic). For HTTPS with a private CA, set REQUESTS_CA_BUNDLE. The
library follows the absolute `next` links and the repositories' `links.self`,
so those must point at the server being measured.

JOB is one of:

* pull-requests: every pull request of REPO in all four states, pagelen=50;
* pull-request-comments: every pull request of REPO (pagelen=50), then each
  one's comments (pagelen=100);
* commits: every repository of WORKSPACE (REPO is ignored), then each one's
  commits (pagelen=100).

Prints one JSON line: {"rows": N, "seconds": S, "requests": R, "job": J}.
The clock runs around the job only, after imports and client construction.
"""

import json
import sys
import time

from atlassian.bitbucket import Cloud

STATES = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]


def main(argv):
    if len(argv) != 7 or argv[6] not in ("pull-requests", "pull-request-comments", "commits"):
        sys.stderr.write(__doc__)
        return 2
    base, email, token, workspace, repo_slug, job = argv[1:]
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
    rows = 0
    if job == "commits":
        for repo in cloud.workspaces.get(workspace).repositories.each():
            for _commit in repo.commits._get_paged(None, trailing=True, params={"pagelen": 100}):
                rows += 1
    else:
        repo = cloud.repositories.get(workspace, repo_slug)
        pulls = repo.pullrequests._get_paged(None, trailing=True, params={"state": STATES, "pagelen": 50})
        for pr in pulls:
            if job == "pull-requests":
                rows += 1
                continue
            for _comment in repo.pullrequests._get_paged(f"{pr['id']}/comments", params={"pagelen": 100}):
                rows += 1
    seconds = time.perf_counter() - start

    print(json.dumps({"rows": rows, "seconds": round(seconds, 3), "requests": requests_made[0], "job": job}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
