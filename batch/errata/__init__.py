"""``io-batch errata``: an "Errata corrige" to exactly the citizens an earlier campaign reached."""
