"""What the notebook generators (scripts/make_*.py) share: cells in order, then one
nbformat-4 notebook for the privlab kernel, with stable cell ids."""
import json


class Notebook:
    def __init__(self, id_prefix):
        self.id_prefix = id_prefix
        self.cells = []

    def md(self, source):
        self.cells.append({"cell_type": "markdown", "metadata": {}, "source": source.strip("\n")})

    def code(self, source):
        self.cells.append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source.strip("\n")})

    def write(self, path):
        nb = {
            "cells": self.cells,
            "metadata": {
                "kernelspec": {"name": "privlab", "display_name": "TypeScript (privlab)", "language": "typescript"},
                "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        for i, c in enumerate(nb["cells"]):
            c["id"] = f"{self.id_prefix}-{i:02d}"
        with open(path, "w") as f:
            json.dump(nb, f, indent=1)
