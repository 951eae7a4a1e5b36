"""Differences between two versions of a BPMN bundle, computed from the XML alone.

Pure Python (lxml, no Flask, no engine): elements are compared by id within each file. For
every element we compare its type, name, attributes, incoming/outgoing flows, timer
definitions, conditions, scripts and the service operator; layout (the DI part) is ignored,
since moving a box changes nothing a case does.
"""
from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
# Containers whose children we walk; they are not elements of the diff themselves.
_CONTAINERS = {"definitions", "laneSet", "extensionElements", "timerEventDefinition", "incoming",
               "outgoing", "flowNodeRef", "conditionExpression", "script", "documentation"}
_DI_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
                  "http://www.omg.org/spec/DD/20100524/DI")
# Attributes that name the element or point at the DI: compared elsewhere or not at all.
_SKIPPED_ATTRIBUTES = {"id", "name"}


@dataclass
class ElementInfo:
    """What we compare of one BPMN element."""

    id: str
    type: str
    name: str
    file: str
    process: str | None
    details: dict = field(default_factory=dict)


@dataclass
class Change:
    """One element that differs: ``kind`` is added / removed / changed; ``what`` lists the aspects."""

    kind: str
    id: str
    type: str
    name: str
    file: str
    what: list = field(default_factory=list)


def _local(tag):
    return etree.QName(tag).localname if isinstance(tag, str) else None


def _timer(element):
    parts = []
    for definition in element.findall(f"{{{BPMN_NS}}}timerEventDefinition"):
        for child in definition:
            kind = _local(child.tag)
            if kind in ("timeDuration", "timeDate", "timeCycle"):
                parts.append(f"{kind}={(child.text or '').strip()}")
    return "; ".join(parts) or None


def _extensions(element):
    """Extension elements (e.g. the service operator and its parameters) as a canonical text."""
    lines = []
    for extension in element.findall(f"{{{BPMN_NS}}}extensionElements"):
        for child in extension.iter():
            if child is extension or not isinstance(child.tag, str):
                continue
            attributes = ",".join(f"{k}={v}" for k, v in sorted(child.attrib.items()))
            text = (child.text or "").strip()
            lines.append(f"{_local(child.tag)}[{attributes}]{text}")
    return "\n".join(lines) or None


def _event_definitions(element):
    kinds = sorted(_local(child.tag) for child in element
                   if isinstance(child.tag, str) and _local(child.tag).endswith("EventDefinition"))
    return ",".join(kinds) or None


def _describe(element, file_name, process_id):
    attributes = {k: v for k, v in element.attrib.items() if _local(k) not in _SKIPPED_ATTRIBUTES}
    details = {
        "attributes": ";".join(f"{_local(k)}={v}" for k, v in sorted(attributes.items())) or None,
        "incoming": ",".join(sorted(_direct_texts(element, "incoming"))) or None,
        "outgoing": ",".join(sorted(_direct_texts(element, "outgoing"))) or None,
        "timer": _timer(element),
        "condition": _direct_text(element, "conditionExpression"),
        "script": _direct_text(element, "script"),
        "event": _event_definitions(element),
        "extensions": _extensions(element),
    }
    return ElementInfo(element.get("id"), _local(element.tag), element.get("name") or "", file_name, process_id,
                       details)


def _direct_texts(element, local_name):
    return [(child.text or "").strip() for child in element if _local(child.tag) == local_name]


def _direct_text(element, local_name):
    texts = _direct_texts(element, local_name)
    return "\n".join(texts) or None


def elements_of(file_name, xml):
    """Every semantic BPMN element with an id in one file: {id: ElementInfo}."""
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
    found = {}

    def walk(node, process_id):
        for child in node:
            if not isinstance(child.tag, str):
                continue
            namespace = etree.QName(child.tag).namespace
            if namespace in _DI_NAMESPACES:
                continue
            local = _local(child.tag)
            if namespace != BPMN_NS:
                continue  # extension content is compared as part of its owner
            if local == "process":
                found[child.get("id")] = _describe(child, file_name, child.get("id"))
                walk(child, child.get("id"))
                continue
            if local not in _CONTAINERS and child.get("id") and not local.endswith("EventDefinition"):
                found[child.get("id")] = _describe(child, file_name, process_id)
            if local in ("laneSet", "subProcess", "collaboration", "definitions", "lane"):
                walk(child, process_id)

    walk(root, None)
    return found


def bundle_elements(files):
    """Elements of every file of a bundle, keyed by (file name, element id)."""
    elements = {}
    for name, xml in sorted(files.items()):
        for element_id, info in elements_of(name, xml).items():
            elements[(name, element_id)] = info
    return elements


def diff_bundles(old_files, new_files):
    """The list of Changes from ``old_files`` to ``new_files`` ({file name: XML} each)."""
    old, new = bundle_elements(old_files), bundle_elements(new_files)
    changes = []
    for key in sorted(new.keys() - old.keys()):
        info = new[key]
        changes.append(Change("added", info.id, info.type, info.name, info.file))
    for key in sorted(old.keys() - new.keys()):
        info = old[key]
        changes.append(Change("removed", info.id, info.type, info.name, info.file))
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        what = []
        if before.type != after.type:
            what.append(("type", before.type, after.type))
        if before.name != after.name:
            what.append(("name", before.name, after.name))
        for aspect in before.details:
            if before.details[aspect] != after.details.get(aspect):
                what.append((aspect, before.details[aspect], after.details.get(aspect)))
        if what:
            changes.append(Change("changed", after.id, after.type, after.name or before.name, after.file, what))
    return changes


def process_files(files):
    """{process id: file name} for every process defined in a bundle."""
    found = {}
    for name, xml in sorted(files.items()):
        root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            found[process.get("id")] = name
    return found


def sequence_flows(xml):
    """{(source id, target id): flow id} of one file's sequence flows."""
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
    return {(flow.get("sourceRef"), flow.get("targetRef")): flow.get("id")
            for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}
