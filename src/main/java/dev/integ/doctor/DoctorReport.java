package dev.integ.doctor;

import java.util.List;

/** The doctor's findings; healthy unless a check failed (warnings do not fail it). */
public record DoctorReport(String store, List<Check> checks) {

    public boolean healthy() {
        return checks.stream().noneMatch(c -> c.status() == Check.Status.FAIL);
    }
}
