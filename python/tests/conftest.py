"""Shared fixtures: the repository's paths and model A."""

import os
import pathlib

import pytest

import gradmod

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def model_a_path():
    return ROOT / "models" / "A_hh_axon.toml"


@pytest.fixture
def model_a(model_a_path):
    return gradmod.Model.load(model_a_path)


@pytest.fixture
def gradmod_cli():
    """The gradmod command-line binary that the Rust tests built, if any (GRADMOD_CLI, or the
    debug or release build in target/)."""
    for candidate in (
        os.environ.get("GRADMOD_CLI"),
        ROOT / "target" / "debug" / "gradmod",
        ROOT / "target" / "release" / "gradmod",
    ):
        if candidate and pathlib.Path(candidate).exists():
            return pathlib.Path(candidate)
    pytest.skip("no gradmod binary: run `cargo build` first")
