/** Floor: the JVM starting and stopping with nothing to do. */
public final class EmptyMain {
    public static void main(String[] args) {
    }
}
