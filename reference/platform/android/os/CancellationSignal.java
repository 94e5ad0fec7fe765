package android.os;

public final class CancellationSignal {
    private boolean canceled;

    public CancellationSignal() {}

    public boolean isCanceled() {
        return canceled;
    }

    public void cancel() {
        canceled = true;
    }
}
