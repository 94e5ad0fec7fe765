"""Stack -> actor: the first frame outside the platform, named by the bundled Exodus signatures."""

from auditor.analyze.attribution import attribute, frame_class, recorded_actor
from auditor.contract.vocabulary import ActorBasis

HOOKED = "android.content.ClipboardManager.getPrimaryClip(Native Method)"


def test_sdk_frame_is_attributed_to_its_exodus_tracker():
    stack = [HOOKED, "com.bytedance.sdk.Collector.run(Collector.java:12)",
             "com.example.reference.MainActivity.main(MainActivity.java:3)"]
    actor = attribute(stack, "android.content.ClipboardManager", "getPrimaryClip", "com.example.reference")
    assert actor.model_dump(by_alias=True, mode="json") == {
        "basis": "stack", "frame": stack[1], "class": "com.bytedance.sdk.Collector", "package": "com.bytedance.sdk",
        "sdk": "Pangle", "exodus_id": 363, "first_party": False, "hook_seq": None,
        "request_rewritten": []}


def test_app_frame_is_first_party_even_behind_framework_and_play_services_glue():
    stack = [HOOKED, "android.widget.TextView.onTextContextMenuItem(TextView.java:1)",
             "com.google.android.gms.tasks.zzw.run(Unknown Source:0)",
             "com.example.reference.PasteButton.onClick(PasteButton.java:20)",
             "com.appsflyer.AppsFlyerLib.start(AppsFlyerLib.java:1)"]
    actor = attribute(stack, "android.content.ClipboardManager", "getPrimaryClip", "com.example.reference")
    assert (actor.class_name, actor.sdk, actor.first_party) == ("com.example.reference.PasteButton", None, True)


def test_google_code_that_exodus_lists_is_a_tracker_not_glue():
    stack = ["com.google.android.gms.ads.identifier.AdvertisingIdClient$Info.getId(Native Method)",
             "com.google.android.gms.analytics.Tracker.send(Tracker.java:5)", "com.example.reference.A.b(A.java:1)"]
    actor = attribute(stack, "com.google.android.gms.ads.identifier.AdvertisingIdClient$Info", "getId",
                      "com.example.reference")
    assert actor.class_name == "com.google.android.gms.analytics.Tracker"
    assert (actor.sdk, actor.exodus_id, actor.first_party) == ("Google Analytics", 48, False)


def test_unknown_third_party_and_platform_only_stacks():
    unknown = attribute([HOOKED, "org.acme.Thing.x(Thing.java:1)"], "android.content.ClipboardManager",
                        "getPrimaryClip", "com.example.reference")
    assert (unknown.package, unknown.sdk, unknown.first_party) == ("org.acme", None, False)
    nobody = attribute([HOOKED, "java.lang.Thread.run(Thread.java:833)"], "android.content.ClipboardManager",
                       "getPrimaryClip", "com.example.reference")
    assert nobody.class_name is None and nobody.frame is None


def test_frame_parsing_drops_the_module_prefix():
    assert frame_class("java.base/java.lang.Thread.run(Thread.java:833)") == ("java.lang.Thread", "run")
    assert frame_class("a.B$C.d(Native Method)") == ("a.B$C", "d")


def test_an_actor_recorded_by_an_old_capture_is_kept_and_marked_as_recorded():
    actor = recorded_actor({"class": "com.bytedance.sdk.DeviceInfo", "package": "com.bytedance.sdk", "sdk": "Pangle",
                            "exodus_id": 363, "first_party": False, "frame": None, "unexpected": 1})
    assert (actor.basis, actor.class_name, actor.sdk, actor.exodus_id, actor.first_party) == (
        ActorBasis.RECORDED, "com.bytedance.sdk.DeviceInfo", "Pangle", 363, False)
    assert recorded_actor({"exodus_id": True, "first_party": "no"}).exodus_id is None
    assert recorded_actor("Pangle") is None
