//! Render snapshots of the yes/no question at a small and a large terminal, and of help over
//! it, through the in-process harness (the real keymap: the keys shown are the keys bound).

use insta::assert_snapshot;

use crate::app::harness::Harness;
use crate::fixtures;

#[test]
fn confirm_destroy_session_at_80x24_says_what_goes() {
    let mut h = Harness::sized(fixtures::loaded_state(), 80, 24);
    h.keys("G d"); // s-eph: its ephemeral storage goes
    assert_snapshot!(h.draw());
}

#[test]
fn confirm_destroy_session_at_160x45_says_what_stays() {
    let mut h = Harness::sized(fixtures::loaded_state(), 160, 45);
    h.keys("j d"); // s-alpha: workspace alpha stays
    assert_snapshot!(h.draw());
}

#[test]
fn help_over_a_question_lists_its_keys() {
    let mut h = Harness::sized(fixtures::loaded_state(), 120, 30);
    h.keys("d f1");
    assert_snapshot!(h.draw());
}
