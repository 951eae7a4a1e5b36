"""Which insurance rows a generated person has, and where problems are injected.

Shares are rough but plausible for a rural Anhui county in 2017: most adults in
resident pension and resident medical, about a fifth in employee schemes,
some migrant workers insured in another province, retirees drawing pensions.
Problems are injected at the generator's configured rates; every injection is
labelled on the person so the answer key can report counts per scenario.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date

from webapp.synthetic import data
from webapp.synthetic.output import Cover

ACTIVE, SUSPENDED, TERMINATED = "正常参保", "暂停缴费", "终止参保"
PAYING, NOT_PAYING = "正常缴费", "暂停缴费"
PAID, NOT_PAID, STOPPED = "正常享受", "未享受", "终止发放"
PENSIONS = ("enterprise_pension", "resident_pension", "civil_service_pension")


def month_end(day: date) -> date:
    """The last day of ``day``'s month (benefit months compare as month ends)."""
    return date(day.year, day.month, monthrange(day.year, day.month)[1])


class _Plan:
    """Collects a person's rows."""

    def __init__(self, gen, person):
        self.gen, self.person, self.rng = gen, person, gen.rng
        self.local = gen.config.county_name
        self.covers: list[Cover] = []

    def add(self, file, scheme, status=ACTIVE, contribution=PAYING, benefit=NOT_PAID,
            paid_until=None, place=None, employer=""):
        start = self.gen.recent_days[int(self.rng.random() * len(self.gen.recent_days))]
        self.covers.append(Cover(file, scheme, status, contribution, benefit, paid_until,
                                 place or self.local, employer, start, None))

    def worker(self, place=None, employer=None):
        employer = employer or self.gen.employer()
        self.add("si", "enterprise_pension", place=place, employer=employer)
        self.add("si", "employee_medical", place=place, employer=employer)
        if place is not None:
            return  # the other schemes of a job elsewhere are not in this county's data
        for scheme, share in (("unemployment", 0.25), ("work_injury", 0.3), ("maternity", 0.1)):
            if self.rng.random() < share:
                self.add("si", scheme, employer=employer)

    def active_schemes(self) -> set:
        return {c.scheme for c in self.covers if c.status != TERMINATED}


def plan_coverage(gen, person) -> list[Cover]:
    """Return the enrollment rows of one person (problems injected at the rates)."""
    plan = _Plan(gen, person)
    rng, rates = gen.rng, gen.rates
    if person.non_local_worker:
        plan.worker()
        return plan.covers
    if person.status == "deceased":
        _deceased(plan, rates)
        return plan.covers
    if person.status != "normal":
        if rng.random() < 0.3:
            plan.add("si", "resident_pension", TERMINATED, NOT_PAYING)
        return plan.covers
    if not person.registered:
        if rng.random() < rates["non_registered_insured"]:
            plan.worker()
        return plan.covers
    if person.age < 16 or person.student:
        if rng.random() < 0.94:
            plan.add("health", "resident_medical")
    elif person.age < 60:
        _working_age(plan, rates)
    else:
        _elderly(plan)
    _inject_problems(plan, rates)
    return plan.covers


def _working_age(plan: _Plan, rates: dict) -> None:
    rng = plan.rng
    roll = rng.random()
    elsewhere = rates["other_province_worker"] + rates["province_worker"]
    if roll < 0.15:
        plan.worker()
    elif roll < 0.18:
        employer = f"{plan.local}{rng.choice(('教育局', '人社局', '卫计委', '财政局', '公安局', '农委'))}"
        plan.add("si", "civil_service_pension", employer=employer)
        plan.add("si", "employee_medical", employer=employer)
    elif roll < 0.18 + elsewhere:
        # Insured where they work: not uninsured, wherever that is.
        places = data.PROVINCE_PLACES if roll < 0.18 + rates["province_worker"] else data.OTHER_PROVINCE_PLACES
        place = rng.choice(places)
        plan.worker(place=place, employer=place + "某公司")
        if rng.random() < 0.3:
            plan.covers = [c for c in plan.covers if c.scheme != "employee_medical"]
            plan.add("health", "resident_medical")  # family kept them in resident medical at home
    elif roll < 0.90:
        if rng.random() < 0.03 and plan.gen.former_employers:
            # A former job: that employer enrolls nobody now (or has closed).
            plan.add("si", "enterprise_pension", TERMINATED, NOT_PAYING, employer=plan.gen.former_employer())
        if rng.random() < 0.05:  # moved from resident pension to an employer: old row terminated
            plan.add("si", "resident_pension", TERMINATED, NOT_PAYING)
            plan.worker()
        else:
            suspended = rng.random() < 0.1
            plan.add("si", "resident_pension", SUSPENDED if suspended else ACTIVE,
                     NOT_PAYING if suspended else PAYING)
            if rng.random() < 0.92:
                plan.add("health", "resident_medical")
    elif rng.random() < 0.6:
        plan.add("health", "resident_medical")  # no pension: on the uninsured list


def _elderly(plan: _Plan) -> None:
    rng = plan.rng
    paid_until = month_end(plan.gen.as_of)
    roll = rng.random()
    if roll < 0.18:
        plan.add("si", "enterprise_pension", ACTIVE, NOT_PAYING, PAID, paid_until)
        plan.add("si", "employee_medical", ACTIVE, NOT_PAYING)
    elif roll < 0.22:
        plan.add("si", "civil_service_pension", ACTIVE, NOT_PAYING, PAID, paid_until)
        plan.add("si", "employee_medical", ACTIVE, NOT_PAYING)
    elif roll < 0.90:
        plan.add("si", "resident_pension", ACTIVE, NOT_PAYING, PAID, paid_until)
        if rng.random() < 0.95:
            plan.add("health", "resident_medical")
    elif rng.random() < 0.7:
        plan.add("health", "resident_medical")


def _deceased(plan: _Plan, rates: dict) -> None:
    rng, person = plan.rng, plan.person
    if person.age >= 60 and rng.random() < 0.7:
        scheme = "resident_pension" if rng.random() < 0.75 else "enterprise_pension"
        if rng.random() < rates["benefit_after_death"]:
            # Nobody told the agency: the pension is still being paid this month.
            plan.add("si", scheme, ACTIVE, NOT_PAYING, PAID, month_end(plan.gen.as_of))
            person.injected.add("benefit_after_death")
        else:
            plan.add("si", scheme, TERMINATED, NOT_PAYING, STOPPED, month_end(person.death_date))
    elif rng.random() < 0.4:
        plan.add("health", "resident_medical", TERMINATED, NOT_PAYING)


def _inject_problems(plan: _Plan, rates: dict) -> None:
    rng, person = plan.rng, plan.person
    active = plan.active_schemes()
    pensions = active & set(PENSIONS)
    paying_benefit = {c.scheme for c in plan.covers if c.benefit == PAID}
    if person.age >= 16 and pensions and not paying_benefit and rng.random() < rates["duplicate_pension"]:
        other = "resident_pension" if "resident_pension" not in pensions else "enterprise_pension"
        plan.add("si", other, employer="" if other == "resident_pension" else plan.gen.employer())
        person.injected.add("duplicate_pension")
    if paying_benefit and rng.random() < rates["duplicate_benefit"]:
        other = "resident_pension" if "resident_pension" not in paying_benefit else "enterprise_pension"
        plan.add("si", other, ACTIVE, NOT_PAYING, PAID, month_end(plan.gen.as_of))
        person.injected.add("duplicate_benefit")
    medical = active & {"employee_medical", "resident_medical"}
    if person.age >= 16 and medical and rng.random() < rates["duplicate_medical"]:
        if "resident_medical" in medical:
            plan.add("si", "employee_medical", employer=plan.gen.employer())
        else:
            plan.add("health", "resident_medical")
        person.injected.add("duplicate_medical")
    if plan.covers and rng.random() < rates["name_conflict"]:
        index = rng.randrange(len(plan.covers))
        plan.covers[index] = plan.covers[index]._replace(name=data.homophone_variant(person.name))
        person.injected.add("name_conflict")
