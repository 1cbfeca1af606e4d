//! The pace of a run of many calls (a batch's creates, a report's reads): as fast as the
//! service takes them, and slower at once when it throttles. Additive increase, multiplicative
//! decrease, the rule TCP and the AWS SDKs' adaptive mode use so that many clients share a
//! limit without knowing it: a throttle halves the rate, each success adds a little, so that
//! the rate grows by about [`GROWTH_PER_SECOND`] calls/s each second it runs without one.
//!
//! Throttles answer calls that were already in flight together: the first halves the rate and
//! the rest of the same [`DECREASE_WINDOW`] are counted but do not halve it again (TCP's one
//! decrease per round trip), so four calls throttled at once do not cut the rate sixteenfold.
//! Pure: time is an argument, as everywhere in the core.

use std::time::{Duration, Instant};

/// Calls per second at the start: well under what a control-plane API takes.
pub const RATE_FIRST: f64 = 5.0;
/// Never slower than this: a throttled service is still asked now and then.
pub const RATE_LEAST: f64 = 0.5;
/// Never faster than this: well above what a control-plane API takes, so the service, not the
/// cap, sets the pace (a 10,000-association report at 100 calls/s took 210 s).
pub const RATE_MOST: f64 = 500.0;
/// How much a second of successes at the current rate adds to it.
pub const GROWTH_PER_SECOND: f64 = 10.0;
/// Throttles within this time of a decrease are the same event.
pub const DECREASE_WINDOW: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct AdaptiveRate {
    /// Calls per second now.
    rate: f64,
    /// The earliest start of the next call.
    next_slot: Option<Instant>,
    decreased_at: Option<Instant>,
    throttles: u64,
    successes: u64,
}

impl Default for AdaptiveRate {
    fn default() -> Self {
        Self::new(RATE_FIRST)
    }
}

impl AdaptiveRate {
    pub fn new(initial_per_second: f64) -> Self {
        Self {
            rate: initial_per_second.clamp(RATE_LEAST, RATE_MOST),
            next_slot: None,
            decreased_at: None,
            throttles: 0,
            successes: 0,
        }
    }

    /// When the next call may start (`now` or later), and that slot is taken: the one after
    /// it is a period of the current rate later.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let start = self.next_slot.map_or(now, |slot| slot.max(now));
        self.next_slot = Some(start + self.period());
        start
    }

    /// When a call may start, without taking the slot.
    pub fn ready_at(&self, now: Instant) -> Instant {
        self.next_slot.map_or(now, |slot| slot.max(now))
    }

    /// A call went through: the rate grows by `GROWTH_PER_SECOND / rate`, about
    /// [`GROWTH_PER_SECOND`] per second of calls at that rate.
    pub fn on_success(&mut self) {
        self.successes += 1;
        self.rate = (self.rate + GROWTH_PER_SECOND / self.rate).min(RATE_MOST);
    }

    /// The service throttled a call: the rate halves (once per [`DECREASE_WINDOW`]) and the
    /// next call waits a period of the new rate.
    pub fn on_throttled(&mut self, now: Instant) {
        self.throttles += 1;
        let same_event = self
            .decreased_at
            .is_some_and(|at| now.saturating_duration_since(at) < DECREASE_WINDOW);
        if same_event {
            return;
        }
        self.decreased_at = Some(now);
        self.rate = (self.rate / 2.0).max(RATE_LEAST);
        let resume = now + self.period();
        self.next_slot = Some(self.next_slot.map_or(resume, |slot| slot.max(resume)));
    }

    /// Calls per second now.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Throttled calls so far.
    pub fn throttles(&self) -> u64 {
        self.throttles
    }

    pub fn successes(&self) -> u64 {
        self.successes
    }

    /// "4.5 calls/s (2 throttled)": the line a progress display shows.
    pub fn describe(&self) -> String {
        let throttled = match self.throttles {
            0 => String::new(),
            1 => " (1 throttled, backed off)".to_owned(),
            n => format!(" ({n} throttled, backed off)"),
        };
        format!("{:.1} calls/s{throttled}", self.rate)
    }

    fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_a_period_apart_and_never_in_the_past() {
        let t0 = Instant::now();
        let mut rate = AdaptiveRate::new(4.0);
        assert_eq!(rate.reserve(t0), t0);
        assert_eq!(rate.reserve(t0), t0 + Duration::from_millis(250));
        assert_eq!(rate.reserve(t0), t0 + Duration::from_millis(500));
        // Idle for a while: the next call starts now, not in a catch-up burst of past slots.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(rate.reserve(later), later);
        assert_eq!(rate.ready_at(later), later + Duration::from_millis(250));
    }

    #[test]
    fn a_throttle_halves_the_rate_once_per_window_and_pushes_the_next_slot() {
        let t0 = Instant::now();
        let mut rate = AdaptiveRate::new(8.0);
        rate.reserve(t0);
        rate.on_throttled(t0);
        assert_eq!(rate.rate(), 4.0);
        assert!(rate.ready_at(t0) >= t0 + Duration::from_millis(250));
        // Calls in flight together come back throttled together: one decrease.
        rate.on_throttled(t0 + Duration::from_millis(10));
        rate.on_throttled(t0 + Duration::from_millis(20));
        assert_eq!(rate.rate(), 4.0);
        assert_eq!(rate.throttles(), 3);
        rate.on_throttled(t0 + DECREASE_WINDOW);
        assert_eq!(rate.rate(), 2.0);
        assert!(
            rate.describe().contains("4 throttled"),
            "{}",
            rate.describe()
        );
    }

    #[test]
    fn successes_grow_it_slowly_up_to_the_cap_and_throttles_never_stop_it() {
        let mut rate = AdaptiveRate::new(5.0);
        // A second of calls at 5/s adds most of GROWTH_PER_SECOND (less, as the rate grows
        // within the second), never more.
        for _ in 0..5 {
            rate.on_success();
        }
        let grown = rate.rate() - 5.0;
        assert!(
            (GROWTH_PER_SECOND * 0.5..=GROWTH_PER_SECOND).contains(&grown),
            "{grown}"
        );
        for _ in 0..100_000 {
            rate.on_success();
        }
        assert_eq!(rate.rate(), RATE_MOST);
        let mut t = Instant::now();
        for _ in 0..50 {
            t += DECREASE_WINDOW;
            rate.on_throttled(t);
        }
        assert_eq!(rate.rate(), RATE_LEAST);
    }

    #[test]
    fn against_a_limit_it_settles_below_it() {
        // A service that takes 10 calls/s and throttles the rest: simulated second by second.
        let t0 = Instant::now();
        let mut rate = AdaptiveRate::new(RATE_FIRST);
        let mut rates = Vec::new();
        for second in 0..60u32 {
            let now = t0 + Duration::from_secs(u64::from(second));
            let calls = rate.rate().floor() as u32;
            for call in 0..calls {
                if call < 10 {
                    rate.on_success();
                } else {
                    rate.on_throttled(now);
                }
            }
            rates.push(rate.rate());
        }
        let settled = &rates[20..];
        let mean = settled.iter().sum::<f64>() / settled.len() as f64;
        assert!((5.0..=14.0).contains(&mean), "mean {mean}: {rates:?}");
        assert!(rate.throttles() > 0);
    }
}
