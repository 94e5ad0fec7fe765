package android.media;

public class AudioRecord {
    public static final int RECORDSTATE_STOPPED = 1;
    public static final int RECORDSTATE_RECORDING = 3;
    private int state = RECORDSTATE_STOPPED;

    public AudioRecord(int audioSource, int sampleRateInHz, int channelConfig, int audioFormat, int bufferSizeInBytes) {}

    public void startRecording() {
        state = RECORDSTATE_RECORDING;
    }

    public void stop() {
        state = RECORDSTATE_STOPPED;
    }

    public int getRecordingState() {
        return state;
    }

    /** Silence: the JVM program has no microphone. */
    public int read(byte[] audioData, int offsetInBytes, int sizeInBytes) {
        java.util.Arrays.fill(audioData, offsetInBytes, offsetInBytes + sizeInBytes, (byte) 0);
        return sizeInBytes;
    }

    public void release() {}
}
