"""``io-batch errata``: an "Errata corrige" to exactly the citizens an earlier campaign reached.

May import: ``errors``, ``models``, ``common``, ``config``, ``output``, ``input``,
``rules``, ``send``, ``dryrun``.
"""
