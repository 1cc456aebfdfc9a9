"""The review web app, one module per concern:

* :mod:`bitext.web.app`: ``create_app`` (one route table) and ``serve``;
* :mod:`bitext.web.views`: the pages and actions;
* :mod:`bitext.web.guard`: security (Host check, access token, CSRF, CSP and other headers, ``is_loopback``);
* ``templates/`` and ``static/``: the pages' Jinja templates, style sheet and keyboard script.

Nothing is imported here, so ``import bitext.web.guard`` does not load the views.
"""
