"""The API reference's reading of the client (scripts/griffe_views.py) and the docstring
check (scripts/docs_check.py), on the repository's own packages."""

from __future__ import annotations

import sys
from pathlib import Path

import griffe

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # scripts/ is not installed; import it from the repo root
from scripts import api_check, docs_check  # noqa: E402
from scripts.griffe_views import ClientViews  # noqa: E402


def loaded() -> griffe.Module:
    loader = griffe.GriffeLoader(
        search_paths=[str(path) for path in api_check.SEARCH],
        allow_inspection=False,
        extensions=griffe.load_extensions(ClientViews()),
    )
    return loader.load("replicate_trainings")  # type: ignore[return-value]


def test_a_view_attribute_reads_as_the_method_it_is() -> None:
    client = loaded()["client"]
    get = client["Trainings"]["get"]
    assert isinstance(get, griffe.Function)
    assert [p.name for p in get.parameters] == [
        "self",
        "training_id",
        "timeout",
        "extra_headers",
        "extra_query",
    ]
    assert get.parameters["timeout"].kind is griffe.ParameterKind.keyword_only
    assert str(get.returns) == "Training"
    assert get.docstring is not None and "training" in get.docstring.value
    assert "Other Parameters:" in get.docstring.value  # each option's own docstring
    assert "async" not in get.labels
    assert "async" in client["AsyncTrainings"]["get"].labels


def test_create_spells_out_the_body_fields_from_the_generated_typed_dict() -> None:
    create = loaded()["client"]["TrainingsWithRawResponse"]["create"]
    names = [p.name for p in create.parameters]
    assert {"destination", "input", "webhook", "timeout", "extra_body", "reconcile"} <= set(names)
    assert create.parameters["destination"].default is None  # Required[str]: required
    assert str(create.parameters["destination"].annotation) == "str"
    assert create.parameters["webhook"].default == "..."  # may be left out


def test_the_api_check_reads_the_client_through_the_extension() -> None:
    entry = api_check.public_api()["replicate_trainings.Trainings.cancel"]
    assert entry["kind"] == "function"
    assert [p[0] for p in entry["parameters"]][:2] == ["self", "training_id"]


def test_the_docstring_check_names_what_lacks_one_by_its_public_path() -> None:
    names = docs_check.undocumented()
    assert all(name.startswith("replicate_trainings") for name in names)
    assert not [name for name in names if "._" in name]  # `RetryPolicy`, not `_config.Retry...`
    assert sorted(docs_check.allowed()) == names  # docs/undocumented.txt is exactly today's


def test_a_readme_link_to_a_missing_file_is_named(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# here\n")
    readme.write_text("[a](docs/here.md) [b](docs/gone.md#x) [c](https://x.test/y) [d](#top)\n")
    assert docs_check.broken_links(readme) == ["docs/gone.md#x"]
