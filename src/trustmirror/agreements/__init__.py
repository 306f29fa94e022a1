"""Agreements ("afspraken"): what a team commits to after its results, and whether it keeps it.

Trust is something you do: "do what you say and say what you do". A team turns its results
into a handful of agreements (what we will do, about which themes, who takes it on, by when,
and how we will notice that it works), checks them in at agreed moments (kept, partly kept,
not kept, with a note) and sees its say-do ratio. Check-ins are a history: a new check-in is
added, none is ever changed or deleted.

Unlike answers, agreements are not anonymous: a team writes them together and names their
owners. They never hold anything from a response.
"""
