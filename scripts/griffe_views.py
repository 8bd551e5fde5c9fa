"""A griffe extension: the client's methods as the methods they are.

`client.py` makes each method of `client.trainings` from an operation of `_operations`:
`get = _view(_operations.get, _run)` (or `_async_view` for a coroutine method). Read
statically, that is an attribute; at run time it is a method with the operation's
signature (less its first parameter, the client's config), its docstring, and the return
of the driver (`_run`). This extension makes griffe see the same: each such attribute
becomes a `griffe.Function`. And every function's `**options: Unpack[SomeTypedDict]` is
spelled out as the keyword-only parameters it stands for, as a reader (and a caller) sees
them. The API reference (mkdocstrings, `extensions:` in
mkdocs.yml) and the API check (`scripts/api_check.py`) both read the client through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import griffe

VIEWS = {"_view": False, "_async_view": True}
"""The makers of a client method from an operation, and whether the method is a coroutine."""

OPTIONAL = "..."
"""The default shown for a keyword of a TypedDict that may be left out: it has no value."""


class ClientViews(griffe.Extension):
    """Spells out `**options: Unpack[...]`, and turns `name = _view(operation, driver)` class
    attributes into methods."""

    def __init__(self, package: str = "replicate_trainings") -> None:
        super().__init__()
        self.package = package

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Once the package is loaded whole (every name resolvable), rewrite it."""
        if pkg.name != self.package:
            return
        for function in functions(pkg):
            own = list(function.parameters)
            function.parameters = griffe.Parameters(*spelled_out(own, loader))
            function.docstring = documented(function.docstring, function.parameters, own)
            if function.docstring is not None:
                function.docstring.parent = function
        for cls in classes(pkg):
            for name, member in list(cls.members.items()):
                if not member.is_alias and member.kind is griffe.Kind.ATTRIBUTE:
                    method = as_method(member, loader)  # type: ignore[arg-type]
                    if method is not None:
                        cls.set_member(name, method)


def classes(parent: griffe.Module | griffe.Class) -> Iterator[griffe.Class]:
    """Every class defined in a module or class, its submodules and nested classes included."""
    for member in parent.members.values():
        if member.is_alias or member.kind not in (griffe.Kind.MODULE, griffe.Kind.CLASS):
            continue
        if member.kind is griffe.Kind.CLASS:
            yield member  # type: ignore[misc]
        yield from classes(member)  # type: ignore[arg-type]


def functions(parent: griffe.Module | griffe.Class) -> Iterator[griffe.Function]:
    """Every function defined in a module or class, in submodules and classes too."""
    for member in parent.members.values():
        if member.is_alias:
            continue
        if member.kind is griffe.Kind.FUNCTION:
            yield member  # type: ignore[misc]
        elif member.kind in (griffe.Kind.MODULE, griffe.Kind.CLASS):
            yield from functions(member)  # type: ignore[arg-type]


def as_method(attribute: griffe.Attribute, loader: griffe.GriffeLoader) -> griffe.Function | None:
    """The method a view attribute stands for; None for any other attribute."""
    value = attribute.value
    if not isinstance(value, griffe.ExprCall) or str(value.function) not in VIEWS:
        return None
    operation, driver = (lookup(argument, loader) for argument in value.arguments[:2])
    if not isinstance(operation, griffe.Function) or not isinstance(driver, griffe.Function):
        raise LookupError(f"{attribute.path}: cannot find the operation and driver of {value}")
    self = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
    method = griffe.Function(
        attribute.name,
        lineno=attribute.lineno,
        endlineno=attribute.endlineno,
        parameters=griffe.Parameters(self, *list(operation.parameters)[1:]),  # [0]: config
        returns=driver.returns,
        docstring=copied(operation.docstring),
    )
    if VIEWS[str(value.function)]:
        method.labels.add("async")
    return method


def lookup(expression: object, loader: griffe.GriffeLoader) -> griffe.Object | None:
    """The object an expression names (`_operations.get`), loading its package if needed."""
    path = getattr(expression, "canonical_path", None)
    if not isinstance(path, str):
        return None
    package = path.split(".", 1)[0]
    if package not in loader.modules_collection:
        try:
            loader.load(package)
        except ImportError:  # outside the search paths (typing, httpx): not ours to read
            return None
    try:
        found = loader.modules_collection[path]
    except KeyError:
        return None
    return found.final_target if found.is_alias else found  # type: ignore[no-any-return]


def spelled_out(
    parameters: list[griffe.Parameter], loader: griffe.GriffeLoader
) -> Iterator[griffe.Parameter]:
    """The parameters, with `**options: Unpack[SomeTypedDict]` replaced by one keyword-only
    parameter per key, in the TypedDict's order, so that a key the TypedDict loses is a
    parameter removed."""
    for parameter in parameters:
        annotation = parameter.annotation
        if (
            parameter.kind is griffe.ParameterKind.var_keyword
            and isinstance(annotation, griffe.ExprSubscript)
            and str(annotation.left) == "Unpack"
        ):
            typed_dict = lookup(annotation.slice, loader)
            if not isinstance(typed_dict, griffe.Class):
                raise LookupError(f"{parameter.function}: cannot find {annotation.slice}")
            load_bases(typed_dict, loader)
            yield from keywords(typed_dict)
        else:
            yield parameter


def load_bases(cls: griffe.Class, loader: griffe.GriffeLoader) -> None:
    """Load the packages of a class's bases, recursively, so `all_members` sees theirs."""
    for base in cls.bases:
        found = lookup(base, loader)
        if isinstance(found, griffe.Class):
            load_bases(found, loader)


def keywords(typed_dict: griffe.Class) -> Iterator[griffe.Parameter]:
    """A TypedDict's keys as keyword-only parameters, its own before its bases' (in method
    resolution order): `Required[X]` as a required `X`, any other key optional (the
    package's TypedDicts are `total=False`), with its docstring."""
    seen: set[str] = set()
    for cls in [typed_dict, *typed_dict.mro()]:  # its own keys first, then its bases'
        keys = [m for m in cls.members.values() if isinstance(m, griffe.Attribute)]
        for key in keys:
            if key.name in seen:
                continue
            seen.add(key.name)
            annotation, required = unwrapped(key.annotation)
            yield griffe.Parameter(
                key.name,
                kind=griffe.ParameterKind.keyword_only,
                annotation=annotation,
                default=None if required else OPTIONAL,
                docstring=copied(key.docstring),
            )


def unwrapped(annotation: Any) -> tuple[Any, bool]:
    """`Required[X]` -> (X, True); `NotRequired[X]` -> (X, False); X -> (X, False)."""
    if isinstance(annotation, griffe.ExprSubscript) and str(annotation.left) in (
        "Required",
        "NotRequired",
    ):
        return annotation.slice, str(annotation.left) == "Required"
    return annotation, False


def documented(
    docstring: griffe.Docstring | None,
    parameters: griffe.Parameters,
    before: list[griffe.Parameter],
) -> griffe.Docstring | None:
    """The docstring with an "Other Parameters" section for the keywords spelled out of a
    TypedDict (those not in `before`), each with its key's docstring."""
    if docstring is None:
        return None
    spelled = [p for p in parameters if p not in before and p.docstring is not None]
    if not spelled:
        return docstring
    lines = [f"    {p.name}: {' '.join(p.docstring.value.split())}" for p in spelled]
    text = docstring.value + "\n\nOther Parameters:\n" + "\n".join(lines)
    return like(docstring, text)


def copied(docstring: griffe.Docstring | None) -> griffe.Docstring | None:
    """A docstring for another object (a Docstring belongs to its parent)."""
    return None if docstring is None else like(docstring, docstring.value)


def like(docstring: griffe.Docstring, text: str) -> griffe.Docstring:
    """A docstring of `text`, parsed as `docstring` is (the style mkdocstrings set)."""
    return griffe.Docstring(
        text,
        lineno=docstring.lineno,
        endlineno=docstring.endlineno,
        parser=docstring.parser,
        parser_options=docstring.parser_options,
    )
