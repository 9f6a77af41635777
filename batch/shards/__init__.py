"""A sharded job (``[shards] count``, ``--shards``, ``--shard K/N``): which shard a citizen
is in (``assign``), the rows a shard reads (``rows``), the guard that keeps the layout
while journals of another one hold rows (``layout_guard``), the shards' run, one or each
in turn (``run``), and ``merge``: the shards' results as one file, once every shard
finished (``merge_checks``, ``merge_latest``) with its summary (``merge_summary``).
Only the options stay in ``config.shards``.

May import: ``errors``, ``models``, ``identifiers``, ``common``, ``config``, ``output``,
``journal``, ``input``, ``rules``. ``send`` hands ``run`` the function that sends one
shard, so the shards' run never imports the send.
"""
