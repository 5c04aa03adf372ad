package dev.integ.doctor;

/** One line of the doctor's checklist. */
public record Check(String name, Status status, String detail, String hint) {

    public enum Status { OK, WARN, FAIL }

    public static Check ok(String name, String detail) {
        return new Check(name, Status.OK, detail, null);
    }

    public static Check warn(String name, String detail, String hint) {
        return new Check(name, Status.WARN, detail, hint);
    }

    public static Check fail(String name, String detail, String hint) {
        return new Check(name, Status.FAIL, detail, hint);
    }
}
