"""``roles:`` documents -> :class:`~trellis.metadata.model.Role`, merged across layers.

A later layer that mentions the same role and entity overrides the keys it gives
(``read``, ``write``...) and keeps the others. Levels are ``all | team | own | none``;
``true`` means ``all`` and ``false`` means ``none``; ``create`` is true or false.
"""

from __future__ import annotations

from trellis.metadata.fields import EXPRESSION_NAMES
from trellis.metadata.layers import Document
from trellis.metadata.model import LEVELS, Entity, EntityPermission, Role, Source
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap

PERMISSION_KEYS = ("read", "create", "write", "delete", "fields", "rules")
FIELD_ACCESS = ("read", "write", "none")


def build_roles(docs: list[Document], entities: dict[str, Entity], reader: Reader) -> dict[str, Role]:
    """Every role named in any ``roles:`` document."""
    roles: dict[str, Role] = {}
    specs: dict[tuple[str, str], YMap] = {}
    for doc in docs:
        body = doc.body
        reader.keys(body, ("roles",), "a roles file")
        mapping = reader.mapping(body, "roles", "a roles file")
        for name, spec in (mapping or {}).items():
            at = mapping.key_at(name)
            if not isinstance(name, str) or not NAME.match(name):
                reader.error(at, f"role name '{name}': use lower-case letters, digits and '_'")
                continue
            if not isinstance(spec, YMap):
                reader.error(mapping.value_at(name), f"role '{name}' must map entities to permissions, "
                                                     f"not {kind_of(spec)}")
                continue
            role = roles.setdefault(name, Role(name, source=at))
            for entity_name in spec:
                if entity_name == "label":
                    role.label = reader.label(spec, "label", f"role '{name}'") or role.label
                elif entity_name not in entities:
                    reader.error(spec.key_at(entity_name), f"role '{name}' names unknown entity '{entity_name}'"
                                                           f"{did_you_mean(str(entity_name), entities)}")
                else:
                    _merge(specs, (name, entity_name), spec, reader)
    for (role_name, entity_name), spec in specs.items():
        permission = _permission(spec, entities[entity_name], f"role '{role_name}' on '{entity_name}'", reader,
                                 entities)
        roles[role_name].entities[entity_name] = permission
    return roles


def _merge(specs: dict[tuple[str, str], YMap], key: tuple[str, str], role_spec: YMap, reader: Reader) -> None:
    value = role_spec[key[1]]
    at = role_spec.value_at(key[1])
    if isinstance(value, bool):  # ``deal: true``: everything; ``deal: false``: nothing
        shorthand = YMap(at)
        for name in ("read", "create", "write", "delete"):
            shorthand.put(name, value, at, at)
        value = shorthand
    if not isinstance(value, YMap):
        reader.error(at, f"role '{key[0]}' on '{key[1]}' must be a mapping like {{read: all, write: own}}, "
                         f"not {kind_of(value)}")
        return
    merged = specs.get(key)
    if merged is None:
        specs[key] = value
        return
    combined = YMap(merged.source)
    for source in (merged, value):
        for name, item in source.items():
            combined.put(name, item, source.key_at(name), source.value_at(name))
    specs[key] = combined


def _level(spec: YMap, key: str, what: str, reader: Reader) -> str:
    value = spec.get(key)
    if value is None:
        return "none"
    if value is True:
        return "all"
    if value is False:
        return "none"
    if value not in LEVELS:
        reader.error(spec.value_at(key), f"'{key}' of {what} must be one of {', '.join(LEVELS)} (or true/false), "
                                         f"not {kind_of(value)}{did_you_mean(str(value), LEVELS)}")
        return "none"
    return value


def _permission(spec: YMap, entity: Entity, what: str, reader: Reader,
                entities: dict[str, Entity]) -> EntityPermission:
    reader.keys(spec, PERMISSION_KEYS, what)
    permission = EntityPermission(read=_level(spec, "read", what, reader), write=_level(spec, "write", what, reader),
                                  delete=_level(spec, "delete", what, reader),
                                  create=reader.boolean(spec, "create", what), source=spec.source)
    fields = reader.mapping(spec, "fields", what)
    for name, access in (fields or {}).items():
        if name not in entity.fields:
            reader.error(fields.key_at(name), f"{what}: unknown field '{name}'{did_you_mean(str(name), entity.fields)}")
        elif access not in FIELD_ACCESS:
            reader.error(fields.value_at(name), f"{what}: access to field '{name}' must be one of "
                                                f"{', '.join(FIELD_ACCESS)}, not {kind_of(access)}")
        else:
            permission.fields[name] = access
    names = frozenset(entity.fields) | frozenset(EXPRESSION_NAMES)
    rules = spec.get("rules")
    items = [(rules, spec.value_at("rules"))] if isinstance(rules, str) else \
        [(r, rules.item_at(i)) for i, r in enumerate(rules)] if isinstance(rules, YList) else []
    if rules is not None and not items:
        reader.error(spec.value_at("rules"), f"'rules' of {what} must be an expression or a list of them")
    for text, at in items:
        if isinstance(text, YMap):
            chain = _chain_rule(text, entity, what, reader, entities)
            if chain is not None:
                permission.rules.append(chain)
            continue
        member = _member_rule(text, at, entity, what, reader, entities)
        if member is not False:
            if member is not None:
                permission.rules.append(member)
            continue
        expression = reader.compile(text, at, f"a rule of {what}", names)
        if expression is not None:
            permission.rules.append(expression)
    return permission


def _chain_rule(item: YMap, entity: Entity, what: str, reader: Reader, entities: dict[str, Entity]):
    """A ``{manager_chain: {...}}`` rule (see :mod:`trellis.security.chain_rules`), or None after an error."""
    from trellis.security.chain_rules import KEY, OPTIONS, ManagerChainRule, check_options

    reader.keys(item, (KEY,), f"a rule of {what}")
    options = reader.mapping(item, KEY, f"a rule of {what}", required=True)
    if options is None:
        return None
    reader.keys(options, OPTIONS, f"'{KEY}' of {what}")
    problems = check_options(dict(options), entity.name, entities)
    for key, message in problems:
        reader.error(options.value_at(key) if key in options else item.value_at(KEY), f"'{KEY}' of {what}: {message}")
    if problems:
        return None
    return ManagerChainRule(options["entity"], options["manager"], options["user"], options.get("via", "id"),
                            bool(options.get("self", False)), bool(options.get("reports", True)), item.source)


def _member_rule(text: object, at: Source, entity: Entity, what: str, reader: Reader, entities: dict[str, Entity]):
    """A ``current_user in [link.]members`` rule (see :mod:`trellis.security.member_rules`): the rule,
    None after an error, or False when ``text`` is another kind of rule."""
    from trellis.security.member_rules import MemberRule, check_path, membership_path

    path = membership_path(text)
    if path is None:
        return False
    problem = check_path(path, entity, entities)
    if problem is not None:
        reader.error(at, f"a rule of {what}: {problem}")
        return None
    return MemberRule(entity.name, path, at)
