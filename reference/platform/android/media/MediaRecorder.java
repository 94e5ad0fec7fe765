package android.media;

import java.io.IOException;

/** Stand-in for MediaRecorder: the real setup sequence and constants; the JVM records nothing, writes no file. */
public class MediaRecorder {
    public static final class AudioSource {
        public static final int MIC = 1;

        private AudioSource() {}
    }

    public static final class OutputFormat {
        public static final int THREE_GPP = 1;

        private OutputFormat() {}
    }

    public static final class AudioEncoder {
        public static final int AMR_NB = 1;

        private AudioEncoder() {}
    }

    public MediaRecorder() {}

    public void setAudioSource(int audioSource) {}

    public void setVideoSource(int videoSource) {}

    public void setOutputFormat(int outputFormat) {}

    public void setAudioEncoder(int audioEncoder) {}

    public void setOutputFile(String path) {}

    public void prepare() throws IOException {}

    public void start() {}

    public void stop() {}

    public void release() {}
}
