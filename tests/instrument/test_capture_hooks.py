"""Camera, microphone and screen-capture starts (auditor/catalogue/privacy_apis.json: camera, microphone,
screen_capture) hooked in the reference app under the real agent: each call of the SDK's CaptureProbe with its
category, its arguments and the SDK frame on its stack, in the order the SDK made them."""

from __future__ import annotations

from auditor.instrument.devices import DeviceChoice
from auditor.instrument.run import Request, run
from tests.hook_actor import actor

from .conftest import APP_PACKAGE, bodies

CAPTURE = {"camera", "microphone", "screen_capture"}


def test_the_sdk_s_camera_microphone_and_screen_capture_starts(case, proxy_sink, reference_argv):
    result = run(case, Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port),
                               app_package=APP_PACKAGE))
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    events = [e for e in bodies(case, "hook.event") if e["category"] in CAPTURE]
    # an object argument is summarised by its class (the SDK's own camera callback)
    assert [(e["category"], e["signature"], [a["class"] if isinstance(a, dict) else a for a in e["args"]])
            for e in events] == [
        ("camera", "android.hardware.Camera.open(int)", [0]),
        ("camera", "android.hardware.camera2.CameraManager.openCamera(java.lang.String, "
                   "android.hardware.camera2.CameraDevice$StateCallback, android.os.Handler)",
         ["0", "com.bytedance.sdk.CaptureProbe$1", None]),
        ("microphone", "android.media.AudioRecord.startRecording()", []),
        ("microphone", "android.media.MediaRecorder.start()", []),
        ("screen_capture", "android.media.projection.MediaProjectionManager.createScreenCaptureIntent()", []),
        ("screen_capture", "android.media.projection.MediaProjection.createVirtualDisplay(java.lang.String, int, "
                           "int, int, int, android.view.Surface, android.hardware.display.VirtualDisplay$Callback, "
                           "android.os.Handler)", ["capture", 720, 1280, 320, 16, None, None, None])]
    for event in events:
        who = actor(event)
        assert (who["class"], who["sdk"], who["first_party"]) == ("com.bytedance.sdk.CaptureProbe", "Pangle", False)
        assert who["frame"].startswith("com.bytedance.sdk.CaptureProbe.start(CaptureProbe.java:")
        assert event["stack"][0].startswith(event["api"] + "(") and event["thread"] == "main"
