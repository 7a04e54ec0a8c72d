"""Report counters: what the dossiers of a unit and procedure added up to in a day, a month and a year.

Reports and the QĐ 766 indicators read these rows, never the dossiers, so a year's report costs about the same
at 10,000 dossiers as at 1,000,000 (engine.onestop.tallies keeps them; engine.views.reports reads them)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# The counted quantities, in the table's column order. Flows are booked at the instant they happened (received_*
# at reception, closed_* at the dossier's end, returned at hand-over, refused at the refusal, rated_* at the
# citizen's rating); `overdue` is a stock kept as deltas: +1 at the instant a dossier's legal due passes while it
# is open and its clock runs, −1 when it closes or its clock stops after that.
COUNTS = (
    "received_direct", "received_online", "received_postal",  # new dossiers by channel (KenhThucHien 1 / 2 / 3)
    "received_inter_agency", "received_on_the_spot", "received_digitised",  # of which: liên thông, 4 tại chỗ, số hóa
    "closed", "closed_early", "closed_on_time", "closed_late",  # ended (xử lý xong, dừng, rút) and the verdict
    "closed_processed", "stopped", "withdrawn", "e_result",  # of which: processed (9/10), stopped, withdrawn; e-result
    "work_centidays",  # Σ working time from reception to end, supplement pauses excluded, in 1/100 working day
    "returned", "refused",  # results handed over (10); online submissions refused at intake (3, never received)
    "overdue",  # stock deltas (see above)
    "rated_good", "rated_neutral", "rated_bad",  # citizens' ratings: hài lòng / bình thường / không hài lòng
)
GRAINS = ("y", "m", "d")  # a year (period = 1 January), a month (its 1st), a day


class DossierStat(Base):
    """Counts of one unit (the dossier's receiving or deciding unit, or any unit above them) and procedure over
    one period of one grain; Vietnam dates."""

    __tablename__ = "dossier_stat"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), primary_key=True)


for _name in COUNTS:  # one integer column per count, all starting at 0
    _type = BigInteger if _name == "work_centidays" else Integer
    setattr(DossierStat, _name, mapped_column(_name, _type, nullable=False, default=0, server_default="0"))
