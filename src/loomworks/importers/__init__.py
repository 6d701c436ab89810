"""Bringing another system's data into Loomworks (one package per system).

Importers sit on the top floor with `ops`: they read a foreign database and
write every domain app's models, which no domain app may do for another.
"""
