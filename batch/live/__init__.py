"""From trial to live: the pilot on colleagues and the approval of a campaign (README,
"From trial to live").

May import: ``errors``, ``models``, ``common``, ``config``, ``output``, ``journal``,
``input``, ``rules``, ``api``, ``send``.
"""
