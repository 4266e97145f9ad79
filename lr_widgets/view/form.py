"""HyperParamForm: the controls of one optimizer's or scheduler's arguments; GroupsForm: the param groups.

A form's ``value`` is what the user set, nothing more: a control the user has not touched
*follows* what it is told (:meth:`HyperParamForm.propose`: the run length tied to steps, the
value torch filled in), and shows it without writing it anywhere. One form serves the
optimizer, the scheduler and every child of the composer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.arguments import tied_length, tied_run_lengths
from ..core.errors import LrWidgetsError
from ..core.specs import MISSING, HyperParam, optimizer_spec, scheduler_spec
from ..core.toy import GROUP_LAYERS, MAX_GROUPS
from .abbreviations import abbreviation
from .controls import HyperParamControl, name_width, widget_for
from .lifecycle import close_tree, replace_children

__all__ = ["HyperParamForm", "GroupsForm", "GROUP_KEYS", "section"]

#: The arguments a param group overrides in the groups form.
GROUP_KEYS = ("lr", "weight_decay")


class HyperParamForm(widgets.VBox):
    """The controls for the arguments of one optimizer or scheduler class.

    Parameters
    ----------
    kind
        ``"optimizer"`` or ``"scheduler"``: where the class ``name`` is looked up.
    name
        The class name as torch spells it (``None``: no class, e.g. no scheduler).
    value
        What the user set, by argument name (left out: torch's default, or what ``steps`` proposes).
    steps
        The number of steps: the range of run-length sliders, and the lengths the form proposes.
    abbreviations
        Controls asked for by argument name, as ipywidgets' ``interact`` takes them (``(lo, hi)``,
        a list of options, a start value, ``fixed(v)``).
    advanced
        Whether to build the advanced switches (``foreach``, ``last_epoch`` ...) into :attr:`advanced`.
    follow_steps
        Whether the run lengths the Explorer proposes show a visible "= steps" checkbox.
    composer
        ``composer(spec, value, steps)`` makes the control of SequentialLR / ChainedScheduler's
        ``schedulers`` (``value`` is ``MISSING`` where the user set none); the children's forms have none.
    """

    #: What the user set (plus values held by ``fixed``), by torch's argument names.
    value = traitlets.Dict()
    #: The number of steps run lengths are tied to.
    steps = traitlets.Int(100)

    def __init__(
        self,
        kind: str,
        name: str | None,
        value: Mapping[str, Any] | None = None,
        *,
        steps: int = 100,
        abbreviations: Mapping[str, Any] | None = None,
        advanced: bool = True,
        follow_steps: bool = True,
        composer: Callable[[Any, Any, int], widgets.Widget] | None = None,
    ) -> None:
        super().__init__()
        self._composer = composer
        self.kind = kind
        self.name: str | None = None
        self.steps = steps
        self._abbreviations = dict(abbreviations or {})
        self._with_advanced = advanced
        self._follow_steps = follow_steps
        #: The controls, by argument name (the composer for SequentialLR / ChainedScheduler's ``schedulers``).
        self.controls: dict[str, widgets.Widget] = {}
        #: The advanced switches (empty unless ``advanced``), for the caller to place.
        self.advanced = widgets.VBox()
        self.show(name, dict(value or {}))
        self.observe(lambda change: self._fit_to_steps(change["new"]), "steps")

    # -- building -------------------------------------------------------------------------
    def show(self, name: str | None, value: Mapping[str, Any] | None = None) -> None:
        """Show the controls of class ``name``; ``value`` (default: what the user set) carries over by name."""
        kept = dict(self.value if value is None else value)
        close_tree(*self.controls.values())
        self.controls = {}
        self.name = name
        if name is None:
            replace_children(self, [widgets.HTML("<i>the LR stays as set</i>")])
            replace_children(self.advanced, [])
            self.value = {}
            return
        spec = optimizer_spec(name) if self.kind == "optimizer" else scheduler_spec(name)
        known = {hp.name for hp in spec.hyperparams}
        user = {key: item for key, item in kept.items() if key in known}
        # run lengths follow steps at the top level only; a composer child's follow what torch filled in
        top = self.kind == "scheduler" and self._follow_steps
        tied = tied_run_lengths(spec, user, self._steps_or(100)) if top else {}
        main, advanced = [], []
        for hp in spec.hyperparams:
            if hp.advanced and not self._with_advanced:
                continue
            if hp.name in self._abbreviations:
                asked = abbreviation(hp, self._abbreviations[hp.name])
                if asked.fixed:
                    user[hp.name] = asked.start  # held as given, with no control
                    continue
                hp = asked.hp  # the control shows the range or options asked for
                if asked.start is not MISSING:
                    user.setdefault(hp.name, asked.start)
            control = self._control(spec, hp, user, hp.name in tied)
            self.controls[hp.name] = control
            (advanced if hp.advanced else main).append(control)
        composer = self.controls.get("schedulers")
        if composer is not None and not composer.follows:  # lr_widgets' proposal is left for the core to fill
            user["schedulers"] = composer.value
        replace_children(self, main)
        replace_children(self.advanced, [section(f"{name} switches"), *advanced] if advanced else [])
        self.value = user

    def _control(self, spec: Any, hp: HyperParam, user: dict[str, Any], tied: bool) -> widgets.Widget:
        if hp.kind == "schedulers":
            if self._composer is None:
                raise LrWidgetsError(f"{spec.name} cannot be a child here", hp.name)
            composer = self._composer(spec, user.get(hp.name, MISSING), self.steps)
            composer.observe(lambda _, n=hp.name: self._changed(n), ["value", "follows"])
            return composer
        start = user.get(hp.name, tied_length(hp, self.steps) if tied else hp.default)
        control = widget_for(
            hp,
            start,
            steps=self.steps,
            follows=hp.name not in user,
            follow_label="= steps" if tied and self._follow_steps else None,
        )
        control.observe(lambda _, n=hp.name: self._changed(n), ["value", "follows"])
        return control

    # -- what the user set ----------------------------------------------------------------
    def _changed(self, name: str) -> None:
        control = self.controls[name]
        if control.follows:
            self.value = {key: item for key, item in self.value.items() if key != name}
        else:
            self._record(name, control.value)

    def _record(self, name: str, value: Any) -> None:
        self.value = {**self.value, name: value}

    def _steps_or(self, fallback: int) -> int:
        return self.steps if self.steps > 0 else fallback

    def _fit_to_steps(self, steps: int) -> None:
        for control in self.controls.values():
            if isinstance(control, HyperParamControl) and control.hp.run_length is not None:
                control.set_steps(max(1, steps))
            elif hasattr(control, "steps"):
                control.steps = max(1, steps)

    # -- what the form is told ------------------------------------------------------------
    def propose(self, resolved: Mapping[str, Any]) -> None:
        """Let the controls the user has not set show these values (what the core ran with)."""
        for name, item in resolved.items():
            control = self.controls.get(name)
            if isinstance(control, HyperParamControl):
                control.proposed = item
            elif control is not None and hasattr(control, "propose"):
                control.propose(item)

    def overwrite(self, gone: Mapping[str, Any]) -> None:
        """Grey out the arguments the scheduler overwrites (``{name: Overwrite}``), with why on hover."""
        for name, control in self.controls.items():
            if isinstance(control, HyperParamControl):
                why, entirely = gone.get(name, (None, True))
                control.overwrite(why, entirely=entirely)

    def shown(self, name: str) -> Any:
        """The value the control of ``name`` shows (what the user set, or what it follows)."""
        return self.controls[name].value

    def close(self) -> None:
        """Close the form and every control it made."""
        close_tree(*self.controls.values(), self.advanced)
        super().close()


def section(title: str) -> widgets.HTML:
    """A bold heading between the parts of a form."""
    return widgets.HTML(f"<b>{title}</b>", layout=widgets.Layout(margin="8px 0 2px 0"))


class GroupsForm(widgets.VBox):
    """How many param groups the toy model has (1 to 3) and what each overrides (``lr``, ``weight_decay``).

    A group's control the user has not set follows the optimizer's value (:meth:`propose`); with
    *layer-wise decay* on, a group's ``lr`` it has not set is the optimizer's times ``decay`` once per
    group above it (``lr * decay ** (n - 1 - g)``: the head keeps the optimizer's lr). With
    ``names`` (the groups of someone's own optimizer, ``("group 0", "group 1")``), the groups are theirs:
    their number is fixed, the toggle says so on hover, and each group's controls carry its name.
    """

    #: The number of param groups.
    n = traitlets.Int(1)
    #: One dict of overrides per param group (``n`` of them): what the user set.
    value = traitlets.List()

    def __init__(
        self, optimizer: str, param_groups: Sequence[Mapping[str, Any]] = ({},), names: Sequence[str] | None = None
    ) -> None:
        groups = [dict(group) for group in param_groups] or [{}]
        self._overrides = groups + [{} for _ in range(MAX_GROUPS - len(groups))]
        self._optimizer = optimizer
        self._defaults: dict[str, Any] = {}
        self._names = tuple(names) if names is not None else None
        if self._names is None:  # the toy model: split as you like
            counts = list(GROUP_LAYERS)
            labels = [" / ".join(GROUP_LAYERS[n]) for n in counts]
            tips = [f"{n} param group{'s' if n > 1 else ''}" for n in counts]
        else:  # your optimizer's groups, as many as it has
            counts = [len(self._names)]
            labels = [f"your optimizer's {counts[0]} param group{'s' if counts[0] > 1 else ''}"]
            tips = ["the param groups come from your optimizer: build it with other groups to see others"]
        self.toggle = widgets.ToggleButtons(
            options=list(zip(labels, counts)),
            value=len(groups),
            tooltips=tips,
            disabled=self._names is not None,
            style={"button_width": "auto"},
        )
        self._rows = widgets.VBox()
        #: Layer-wise LR decay: each group's lr ``decay`` times the one after it (the groups' unset lrs).
        self.layerwise = widgets.Checkbox(
            False, description="layer-wise LR decay: each group's lr = decay x the next group's", indent=False,
            style={"description_width": "initial"},
        )  # fmt: skip
        self.decay = widgets.FloatSlider(
            0.8, min=0.05, max=1.0, step=0.05, description="decay", disabled=True, readout_format=".2f"
        )
        for control in (self.layerwise, self.decay):
            control.add_class("lr-widgets-control")
        #: The controls by ``"<group>.<key>"`` (``"head.lr"``).
        self.controls: dict[str, HyperParamControl] = {}
        super().__init__([self.toggle, widgets.HBox([self.layerwise, self.decay]), self._rows])
        self.n = len(groups)
        self._build()
        self.toggle.observe(lambda change: self._toggled(change["new"]), "value")
        self.layerwise.observe(lambda change: self._layerwise(), "value")
        self.decay.observe(lambda change: self._layerwise(), "value")

    def _group_names(self) -> tuple[str, ...]:
        return self._names if self._names is not None else tuple(GROUP_LAYERS[self.n])

    def _toggled(self, n: Any) -> None:
        if n not in (value for _, value in self.toggle.options):
            self.toggle.value = self.n  # no button selected: the groups on screen stay
        elif n != self.n:
            self.n = n
            self._build()

    def show_optimizer(self, optimizer: str) -> None:
        """Rebuild the rows for ``optimizer``'s arguments (a group keeps what the user set)."""
        self._optimizer = optimizer
        self._build()

    def _build(self) -> None:
        close_tree(*self.controls.values())
        self.controls = {}
        if self.n == 1:
            replace_children(self._rows, [widgets.HTML("<i>one group: every parameter of the model</i>")])
            self._publish()
            return
        spec = optimizer_spec(self._optimizer)
        known = {hp.name for hp in spec.hyperparams}
        keys = [key for key in GROUP_KEYS if key in known]
        # every group's names lined up, with room for the longest ("hidden.weight_decay")
        label_width = name_width(*(f"{group}.{key}" for group in self._group_names() for key in keys))
        for g, group in enumerate(self._group_names()):
            for key in keys:
                hp = spec.hyperparam(key)
                own = key in self._overrides[g]
                control = widget_for(
                    hp,
                    self._overrides[g][key] if own else self._defaults.get(key, hp.default),
                    label=f"{group}.{key}",
                    follows=not own,
                    label_width=label_width,
                )
                if key in self._defaults:
                    control.proposed = self._defaults[key]
                control.observe(lambda _, g=g, k=key: self._changed(g, k), ["value", "follows"])
                self.controls[f"{group}.{key}"] = control
        replace_children(self._rows, list(self.controls.values()))
        if self.layerwise.value:
            self._propose_lrs()
        self._publish()

    def _changed(self, g: int, key: str) -> None:
        control = self.controls[f"{self._group_names()[g]}.{key}"]
        if control.follows:
            self._overrides[g].pop(key, None)
        else:
            self._overrides[g][key] = control.value
        self._publish()

    def _layerwise(self) -> None:
        self.decay.disabled = not self.layerwise.value
        self._propose_lrs()
        self._publish()

    def decayed(self, g: int) -> float | None:
        """Group ``g``'s lr under layer-wise decay (``None`` when it is off or the optimizer's lr is unknown)."""
        base = self._defaults.get("lr")
        if not self.layerwise.value or not isinstance(base, (int, float)) or isinstance(base, bool):
            return None
        return base * self.decay.value ** (self.n - 1 - g)

    def _propose_lrs(self) -> None:
        for g, group in enumerate(self._group_names()):
            control = self.controls.get(f"{group}.lr")
            if control is not None and "lr" in self._defaults:
                decayed = self.decayed(g)
                control.proposed = self._defaults["lr"] if decayed is None else decayed

    def _publish(self) -> None:
        # what the optimizer on screen takes; the rest is kept for switching back, not asked of torch
        known = {hp.name for hp in optimizer_spec(self._optimizer).hyperparams}
        value = [{k: v for k, v in self._overrides[g].items() if k in known} for g in range(self.n)]
        for g, overrides in enumerate(value):
            decayed = self.decayed(g)
            if decayed is not None and "lr" in known and self.n > 1:
                overrides.setdefault("lr", decayed)  # a group's lr the user set stays theirs
        self.value = value

    def overwrite(self, gone: Mapping[str, Any]) -> None:
        """Grey out the groups' arguments the scheduler overwrites (``{name: Overwrite}``), with why on hover."""
        for name, control in self.controls.items():
            why, entirely = gone.get(name.split(".", 1)[1], (None, True))
            control.overwrite(why, entirely=entirely)

    def propose(self, defaults: Mapping[str, Any]) -> None:
        """What the groups' unset controls show: the optimizer's values."""
        self._defaults = dict(defaults)
        for name, control in self.controls.items():
            key = name.split(".", 1)[1]
            if key in self._defaults:
                control.proposed = self._defaults[key]
        if self.layerwise.value:
            self._propose_lrs()
            self._publish()  # the decayed lrs follow the optimizer's

    def close(self) -> None:
        """Close the form and every control it made."""
        close_tree(*self.controls.values(), self.toggle, self.layerwise, self.decay)
        super().close()
