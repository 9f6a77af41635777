"""Helpers the tests share: plain modules, imported by name (fixtures stay in conftest).

- ``e2e``: run ``io-batch`` as a subprocess, write jobs and CSVs, read results back;
- ``sandbox_contract``: in-process sandbox clients and valid bodies for contract tests;
- ``hostile_files``: the hostile input files and what io-batch must make of each;
- ``terminal``: a pseudo-terminal and a small screen model for the progress display;
- ``virtual_time``: an asyncio loop whose clock jumps to the next timer.
"""
