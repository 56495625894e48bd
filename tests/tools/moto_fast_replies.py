"""The test launcher's reply serializer for the Query protocol (RDS, IAM, STS,
...): the same bytes as moto 5.2.1's, at a fraction of the cost per record.

moto builds every reply through a generic, reflective serializer: for each
field of each record it asks every alias provider for the names the value
might hide under, builds a nested dict, and xmltodict turns that dict into
XML. That costs about 1 ms per record, so a page of 100 DB clusters costs moto
about 100 ms, while one request without records costs it a few. AWS's cost is
the other way round (the round trip dominates, a record costs little), so on
the loopback a benchmark would measure moto's serializer rather than its
clients.

Here each operation's output shape is compiled once into a plan: for each
member its XML tag, its value conversion, the transformer moto would apply,
and, per record class, the list of attribute names moto's alias providers
yield (computed by moto's own providers the first time a class is seen). A
reply is then emitted as XML text directly, with xmltodict's rules (the same
escaping, `<Tag/>` for an empty element, an empty list of a flattened member
left out, and a dict's first-insertion order when two members share a tag).
moto then puts a fresh request id into the body with a regular expression
over the whole reply (a few milliseconds a page); for a reply with one
<RequestId> the same text is made with str.find (enrich_response). Everything
else moto does (request parsing, the backend, headers) is unchanged.

Only what was checked equal is compiled: the exact QuerySerializer class
(EC2's and SQS's variants keep moto's path), no pretty printing, moto 5.2.1,
the shape types and traits the RDS model uses (no XML attributes or
namespaces on members, no lists of flattened lists). Anything else, and every
error reply, goes through moto's own serializer.

AG_MOTO_SERIALIZER selects the path: "fast" (the default) or "stock" (moto's
own, unchanged; also moto-server.py --stock-serializer).
tests/tools/moto-replies-check.py proves the two give the same replies.
"""
import base64
import os
import re
import sys
from xml.sax.saxutils import escape, quoteattr

import moto
from moto.core import serialize as ms
from moto.core.responses import BaseResponse
from moto.core.utils import MISSING, get_value as moto_get_value
from moto.utilities.aws_headers import gen_amzn_requestid_long

CHECKED_MOTO = "5.2.1"
MODES = ("fast", "stock")
MODE = os.environ.get("AG_MOTO_SERIALIZER", "fast") or "fast"

SKIP = object()   # nothing stored: a structure whose value is None
EMPTY = object()  # an empty dict stored: a structure with no member set
MAX_DEPTH = 40


class NotCompilable(Exception):
    pass


_stock_serialize_result = ms.QuerySerializer._serialize_result
_TYPE_METHODS = {name: getattr(ms.QuerySerializer, name) for name in dir(ms.QuerySerializer)
                 if name.startswith("_serialize_type_")}
_plans = {}
COMPILED = set()  # operations the fast path has served


def _base64(value):
    """ResponseSerializer._base64"""
    if isinstance(value, str):
        value = value.encode(ms.ResponseSerializer.DEFAULT_ENCODING)
    return base64.b64encode(value).strip().decode(ms.ResponseSerializer.DEFAULT_ENCODING)


def _tag_only(tag):
    return "<" + tag + "/>"


def _element(tag, text):
    """A string value under tag, as xmltodict writes it."""
    if not text:
        return "<" + tag + "/>"
    return "<" + tag + ">" + escape(text) + "</" + tag + ">"


class _Member:
    __slots__ = ("key", "shape", "parent_shape", "dict_key", "node", "transform", "key_path")


class _Plan:
    """One operation's compiled output shape."""

    def __init__(self, serializer):
        self.op = serializer.operation_model
        self.picker = serializer._value_picker
        self.transformers = dict(self.picker.response_transformers)
        self.timestamps = ms.TimestampSerializer(ms.QuerySerializer.DEFAULT_TIMESTAMP_FORMAT)
        self.candidates = {}  # id(member list) -> {class: _entries()}
        self.keep = []        # member lists referenced by id() in candidates
        out = self.op.output_shape
        self.top = None
        if out is not None:
            if out.type_name != "structure":
                raise NotCompilable("output shape is not a structure")
            self.top = self._members(out, [str(self.op.name), out.name], 0)

    # -- compilation ----------------------------------------------------
    def _check_traits(self, shape):
        ser = shape.serialization
        if ser.get("xmlAttribute") or ser.get("xmlNamespace"):
            raise NotCompilable(f"shape {shape.name} uses XML attributes or namespaces")

    def _members(self, shape, path, depth):
        if depth > MAX_DEPTH:
            raise NotCompilable("shape nesting too deep")
        members = []
        for key, mshape in shape.members.items():
            mshape.parent = shape  # as moto's serializer sets it before picking
            self._check_traits(mshape)
            m = _Member()
            m.key = key
            m.shape = mshape
            m.parent_shape = shape
            m.key_path = ".".join(path) + "." + key
            m.transform = None
            for tpath, fn in self.transformers.items():
                if m.key_path.endswith(tpath):
                    m.transform = fn
                    break
            name = mshape.serialization.get("name", key)
            kind = mshape.type_name
            if kind == "list" and mshape.is_flattened:
                m.dict_key = mshape.member.serialization.get("name", name)
            else:
                m.dict_key = name
            m.node = self._node(mshape, m.dict_key, path + [key], depth + 1)
            members.append(m)
        self.keep.append(members)
        return members

    def _node(self, shape, tag, path, depth):
        """A function value -> XML text of the element(s) moto would store
        under tag, or SKIP / EMPTY."""
        self._check_traits(shape)
        kind = shape.type_name
        if _TYPE_METHODS.get(f"_serialize_type_{kind}") is None:
            raise NotCompilable(f"shape type {kind}")
        if kind == "string":
            return lambda v: _element(tag, str(v))
        if kind == "boolean":
            yes, no = "<" + tag + ">true</" + tag + ">", "<" + tag + ">false</" + tag + ">"
            return lambda v: yes if (v is True or str(v).lower() == "true") else no
        if kind in ("integer", "long"):
            open_, close = "<" + tag + ">", "</" + tag + ">"
            return lambda v: open_ + str(int(v)) + close
        if kind in ("float", "double"):
            open_, close = "<" + tag + ">", "</" + tag + ">"
            return lambda v: open_ + str(float(v)) + close
        if kind == "timestamp":
            fmt = shape.serialization.get("timestampFormat",
                                          ms.QuerySerializer.DEFAULT_TIMESTAMP_FORMAT)
            conv = self.timestamps._convert_timestamp_to_str
            return lambda v: _element(tag, conv(v, fmt))
        if kind == "blob":
            return lambda v: _element(tag, _base64(v))
        if kind == "structure":
            return self._structure(shape, tag, path, depth)
        if kind == "list":
            return self._list(shape, tag, path, depth)
        if kind == "map":
            return self._map(shape, tag, path, depth)
        raise NotCompilable(f"shape type {kind}")

    def _structure(self, shape, tag, path, depth):
        members = self._members(shape, path, depth)
        open_, close, empty = "<" + tag + ">", "</" + tag + ">", _tag_only(tag)

        def node(value):
            if value is None:
                return SKIP
            w = self._fill(value, members)
            if not w:
                return EMPTY
            text = "".join(w.values())
            return open_ + text + close if text else empty
        return node

    def _list(self, shape, tag, path, depth):
        member = shape.member
        self._check_traits(member)
        if member.type_name in ("list", "map") and member.is_flattened:
            raise NotCompilable("a list of flattened lists or maps")
        flat = shape.is_flattened
        item_tag = tag if flat else member.serialization.get("name", "member")
        item = self._node(member, item_tag, path + [member.name], depth + 1)
        open_, close, empty = "<" + tag + ">", "</" + tag + ">", _tag_only(tag)

        def node(value):
            parts = []
            for it in value:
                r = item(it)
                if r is SKIP or r is EMPTY:
                    continue
                parts.append(r)
            if not parts:
                return SKIP if flat else empty
            if flat:
                return "".join(parts)
            return open_ + "".join(parts) + close
        return node

    def _map(self, shape, tag, path, depth):
        kname = shape.key.serialization.get("name", "key")
        vname = shape.value.serialization.get("name", "value")
        if kname == vname:
            raise NotCompilable("map key and value share a name")
        for part in (shape.key, shape.value):
            if part.type_name in ("list", "map") and part.is_flattened:
                raise NotCompilable("a map of flattened lists or maps")
        knode = self._node(shape.key, kname, path + ["key"], depth + 1)
        vnode = self._node(shape.value, vname, path + ["value"], depth + 1)
        flat = shape.is_flattened
        entry = tag if flat else "entry"
        eopen, eclose = "<" + entry + ">", "</" + entry + ">"
        open_, close, empty = "<" + tag + ">", "</" + tag + ">", _tag_only(tag)
        vempty = _tag_only(vname)

        def node(value):
            parts = []
            for k, v in value.items():
                if v is None:
                    continue
                rk = knode(k)
                rv = vnode(v)
                if rk is SKIP or rk is EMPTY:
                    raise NotCompilable("map key is a structure")
                if rv is EMPTY:
                    rv = vempty
                elif rv is SKIP:
                    rv = ""
                parts.append(eopen + rk + rv + eclose)
            if flat:
                return "".join(parts)
            if not parts:
                return empty
            return open_ + "".join(parts) + close
        return node

    # -- run time -------------------------------------------------------
    def _entries(self, obj, members):
        """What _fill needs per member for objects like obj: (tag, attribute
        names, node, transformer, names with a dot, string tags)."""
        out = []
        for m in members:
            m.shape.parent = m.parent_shape
            names = tuple(self._names_for(obj, m))
            strtags = None
            if m.shape.type_name == "string":
                dk = m.dict_key
                strtags = ("<" + dk + ">", "</" + dk + ">", "<" + dk + "/>")
            out.append((m.dict_key, names, m.node, m.transform,
                        any("." in n for n in names), strtags))
        return out

    def _fill(self, obj, members):
        """The dict moto's structure serializer would build from obj, each
        value already the XML text of its element(s)."""
        cls = type(obj)
        cache = self.candidates.setdefault(id(members), {})
        known = cache.get(cls)
        d = getattr(obj, "__dict__", None)
        # moto's alias providers look Meta up on the object and its getter
        # __getitem__: both come from the class unless the object carries
        # them itself (or makes attributes up)
        per_object = obj.__class__ is not cls or (
            d is not None and ("Meta" in d or "__getitem__" in d))
        if known is None or per_object:
            entries = self._entries(obj, members)
            known = (entries, _compiled_fill(cls, entries, d))
            if not per_object and not hasattr(cls, "__getattr__"):
                cache[cls] = known
        entries, fill = known
        if fill is not None and d is not None and not per_object:
            return fill(obj, d)
        is_item = hasattr(obj, "__getitem__")
        w = {}
        for dk, names, node, transform, dotted, strtags in entries:
            v = MISSING
            if dotted:
                for name in names:
                    v = moto_get_value(obj, name, MISSING)
                    if v is not MISSING:
                        break
            elif is_item:
                for name in names:
                    try:
                        v = obj[name]
                        break
                    except (KeyError, IndexError, TypeError, AttributeError):
                        pass
            else:
                for name in names:
                    v = getattr(obj, name, MISSING)
                    if v is not MISSING:
                        break
            if v is MISSING:
                v = None
            if transform is not None:
                v = transform(v)
            if v is None:
                continue
            if strtags is not None:
                text = str(v)
                if not text:
                    w[dk] = strtags[2]
                elif "&" in text or "<" in text or ">" in text:
                    w[dk] = strtags[0] + escape(text) + strtags[1]
                else:
                    w[dk] = strtags[0] + text + strtags[1]
                continue
            r = node(v)
            if r is SKIP:
                continue
            if r is EMPTY:
                r = "<" + dk + "/>"
            w[dk] = r
        return w

    def _names_for(self, obj, m):
        ctx = ms.AttributePickerContext(obj=obj, key=m.key, shape=m.shape,
                                        operation_model=self.op,
                                        service_model=self.op.service_model,
                                        key_path=m.key_path.rsplit(".", 1)[0])
        names = []
        for name in self.picker.get_possible_keys(ctx):
            if name not in names:
                names.append(name)
        return names

    def body(self, serializer, result):
        op = self.op
        rk = f"{op.name}Response"
        ns = ""
        if serializer.CONTENT_TYPE in ("application/xml", "text/xml") and \
                "xmlNamespace" in op.metadata:
            value = op.metadata["xmlNamespace"]
            if isinstance(value, dict):
                raise NotCompilable("namespace map")
            ns = " xmlns=" + quoteattr("" if value is None else str(value))
        parts = ["<", rk, ns, ">"]
        out = op.output_shape
        if out is not None:
            result_key = out.serialization.get("resultWrapper", f"{out.name}Result")
            w = self._fill(result, self.top) if result is not None else {}
            text = "".join(w.values())
            parts.append(_element(result_key, "") if not text else
                         "<" + result_key + ">" + text + "</" + result_key + ">")
        parts.append("<ResponseMetadata>")
        parts.append(_element("RequestId", str(serializer.context.request_id)))
        parts.append("</ResponseMetadata></" + rk + ">")
        return "".join(parts)


def _plain(cls):
    """Whether getattr(obj, name) of a cls object is obj.__dict__.get(name)
    for every name the class itself does not define."""
    return (cls.__getattribute__ is object.__getattribute__ and
            not hasattr(cls, "__getattr__") and not hasattr(cls, "__getitem__"))


def _compiled_fill(cls, entries, d):
    """_fill for objects of a plain class, as straight-line Python: an
    attribute the class defines (a property, a method, a class attribute)
    is read with getattr, any other name from the instance dict."""
    if d is None or not _plain(cls) or any(e[4] for e in entries):
        return None
    env = {"M": MISSING, "SKIP": SKIP, "EMPTY": EMPTY, "escape": escape}
    lines = ["def fill(obj, d):", "    w = {}"]
    for i, (dk, names, node, transform, _dotted, strtags) in enumerate(entries):
        pad = "    "
        for name in names:
            on_class = any(name in k.__dict__ for k in cls.__mro__)
            lines.append(f"{pad}v = " + (f"getattr(obj, {name!r}, M)" if on_class
                                         else f"d.get({name!r}, M)"))
            lines.append(f"{pad}if v is M:")
            pad += "    "
        lines.append(f"{pad}v = None")
        if transform is not None:
            env[f"t{i}"] = transform
            lines.append(f"    v = t{i}(v)")
        lines.append("    if v is not None:")
        if strtags is not None:
            o, c, e = strtags
            lines += ["        t = str(v)",
                      f"        if not t: w[{dk!r}] = {e!r}",
                      "        elif '&' in t or '<' in t or '>' in t:",
                      f"            w[{dk!r}] = {o!r} + escape(t) + {c!r}",
                      f"        else: w[{dk!r}] = {o!r} + t + {c!r}"]
        else:
            env[f"n{i}"] = node
            lines += [f"        r = n{i}(v)",
                      "        if r is not SKIP:",
                      f"            w[{dk!r}] = {'<' + dk + '/>'!r} if r is EMPTY else r"]
    lines.append("    return w")
    exec("\n".join(lines), env)
    return env["fill"]


def _plan_for(serializer):
    picker = serializer._value_picker
    if type(picker) is not ms.XFormedAttributePicker:
        return None
    op = serializer.operation_model
    key = (op.service_model.service_name, str(op.name), id(op),
           tuple(picker.response_transformers.items()), tuple(picker.alias_providers))
    plan = _plans.get(key, MISSING)
    if plan is MISSING:
        try:
            plan = _Plan(serializer)
        except NotCompilable as e:
            print(f"moto-server: {op.name}: moto's serializer ({e})", file=sys.stderr)
            plan = None
        _plans[key] = plan
    return plan


def _fast(serializer, resp, result):
    plan = _plan_for(serializer)
    if plan is None:
        return None
    try:
        body = plan.body(serializer, result)
    except NotCompilable:
        return None
    resp["body"] = body
    resp["headers"]["Content-Type"] = serializer.CONTENT_TYPE
    COMPILED.add(str(serializer.operation_model.name))
    return resp


def _eligible(serializer):
    return type(serializer) is ms.QuerySerializer and not serializer.pretty_print


def serialize_result(self, resp, result):
    if MODE == "stock" or not _eligible(self):
        return _stock_serialize_result(self, resp, result)
    fast = _fast(self, resp, result)
    if fast is None:
        return _stock_serialize_result(self, resp, result)
    return fast


_stock_enrich_response = BaseResponse._enrich_response
REQUEST_ID = "<RequestId>"
REQUEST_ID_END = "</RequestId>"


def enrich_response(headers, body):
    """BaseResponse._enrich_response: the same headers and body, without
    running a regular expression over the whole reply. moto puts a fresh
    request id into the body with re.sub (what follows <RequestId>, up to
    the last </RequestId> on the same line), which costs milliseconds on a
    page of records; a body with one <RequestId> gets the same text here
    from str.find and str.rfind."""
    if MODE != "fast" or not isinstance(body, str) or body.count(REQUEST_ID) != 1:
        return _stock_enrich_response(headers, body)
    if "status" in headers:
        headers["status"] = str(headers["status"])
    request_id = gen_amzn_requestid_long(headers)
    if "\\" in request_id:  # a replacement template: moto's own way
        try:
            body = re.sub(r"(?<=<RequestId>).*(?=<\/RequestId>)", request_id, body)
        except Exception:
            pass
        return headers, body
    start = body.index(REQUEST_ID) + len(REQUEST_ID)
    eol = body.find("\n", start)
    end = body.rfind(REQUEST_ID_END, start, len(body) if eol < 0 else eol)
    if end >= 0:
        body = body[:start] + request_id + body[end:]
    return headers, body


def install():
    """Puts the fast path in place (unless AG_MOTO_SERIALIZER=stock or moto
    is not the version it was checked against). Returns the mode in use."""
    global MODE
    if MODE not in MODES:
        raise SystemExit(f"moto-server: AG_MOTO_SERIALIZER={MODE!r}: "
                         f"expected one of {', '.join(MODES)}")
    if moto.__version__ != CHECKED_MOTO and MODE != "stock":
        print(f"moto-server: moto {moto.__version__}, not {CHECKED_MOTO}: "
              "moto's own serializer", file=sys.stderr)
        MODE = "stock"
    ms.QuerySerializer._serialize_result = serialize_result
    BaseResponse._enrich_response = staticmethod(enrich_response)
    return MODE
