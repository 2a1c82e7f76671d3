"""The event bus through the binding: publish, pull and callback
subscriptions, filters, lag and close."""

import threading
import time
import unittest

import provisioning
from provisioning import Bus, Status

WAIT = 10


class PublishTests(unittest.TestCase):
    def test_events_arrive_in_order_with_their_members(self):
        bus = Bus()
        sub = bus.subscribe()
        self.assertEqual(bus.publish("OperationStarted", {"op": "db", "attempt": 1}), 1)
        bus.publish("OperationCompleted", '{"op":"db"}')
        first, second = sub.receive(0), sub.receive(0)
        self.assertEqual((first.seq, first.type, first["op"]), (1, "OperationStarted", "db"))
        self.assertEqual(first["format_version"], 1)
        self.assertTrue(first.timestamp.endswith("Z"))
        self.assertEqual(second.seq, 2)
        self.assertIn('"type":"OperationCompleted"', second.json)

    def test_a_bad_type_is_an_invalid_argument(self):
        with self.assertRaises(ValueError) as cm:
            Bus().publish("no spaces allowed")
        self.assertEqual(cm.exception.code, Status.EINVAL)

    def test_a_payload_that_is_not_an_object_is_refused(self):
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            Bus().publish("X", "[1, 2]")
        self.assertEqual(cm.exception.code, Status.EPARSE)

    def test_capacity_is_rounded_to_a_power_of_two(self):
        self.assertEqual(Bus(capacity=100).capacity, 128)

    def test_many_threads_publish_at_once(self):
        bus = Bus(capacity=4096)
        sub = bus.subscribe()

        def publish():
            for i in range(200):
                bus.publish("Tick", {"i": i})
        threads = [threading.Thread(target=publish) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bus.close()
        self.assertEqual([e.seq for e in sub], list(range(1, 801)))


class PullTests(unittest.TestCase):
    def test_a_filter_skips_other_types(self):
        bus = Bus()
        sub = bus.subscribe(types=["B"])
        for event_type in "ABAB":
            bus.publish(event_type)
        bus.close()
        self.assertEqual([e.seq for e in sub], [2, 4])

    def test_polling_an_empty_bus_gives_none(self):
        self.assertIsNone(Bus().subscribe().receive(timeout=0))

    def test_a_timed_receive_gives_none_after_the_time(self):
        started = time.monotonic()
        self.assertIsNone(Bus().subscribe().receive(timeout=0.05))
        self.assertGreaterEqual(time.monotonic() - started, 0.05)

    def test_a_waiting_receive_gets_an_event_from_another_thread(self):
        bus = Bus()
        sub = bus.subscribe()
        publisher = threading.Timer(0.01, bus.publish, args=("Late",))
        publisher.start()
        event = sub.receive(timeout=WAIT)
        publisher.join()
        self.assertEqual(event.type, "Late")

    def test_a_lagging_subscriber_counts_what_it_missed(self):
        bus = Bus(capacity=4)
        sub = bus.subscribe()
        for i in range(10):
            bus.publish("X", {"i": i})
        with self.assertRaises(provisioning.LaggedError) as cm:
            sub.receive(0)
        self.assertEqual(cm.exception.missed, 6)
        self.assertEqual(sub.receive(0)["i"], 6)

    def test_iteration_goes_on_after_lag_and_ends_at_close(self):
        bus = Bus(capacity=4)
        sub = bus.subscribe()
        for i in range(10):
            bus.publish("X")
        bus.close()
        received = list(sub)
        self.assertEqual(len(received) + sub.missed, 10)
        self.assertEqual(received[-1].seq, 10)

    def test_after_close_receive_says_closed(self):
        bus = Bus()
        sub = bus.subscribe()
        bus.close()
        with self.assertRaises(provisioning.BusClosedError):
            sub.receive(0)

    def test_a_subscription_keeps_its_bus_open(self):
        sub = Bus().subscribe()
        bus = sub._bus
        bus.publish("Still")
        self.assertEqual(sub.receive(0).type, "Still")


class CallbackTests(unittest.TestCase):
    def test_the_dispatch_thread_calls_python_for_each_event(self):
        bus = Bus()
        seen = []
        sub = bus.subscribe(lambda e: seen.append((e.seq, threading.get_ident())))
        self.addCleanup(sub.close)
        for _ in range(5):
            bus.publish("X")
        bus.close()
        self.assertTrue(sub.drained.wait(WAIT))
        self.assertEqual([seq for seq, _ in seen], [1, 2, 3, 4, 5])
        self.assertNotIn(threading.get_ident(), {thread for _, thread in seen})

    def test_lag_and_close_are_reported(self):
        bus = Bus(capacity=2)
        gate = threading.Event()
        lags, closes = [], []
        sub = bus.subscribe(lambda e: gate.wait(WAIT), on_lag=lags.append,
                            on_close=lambda: closes.append(True))
        self.addCleanup(sub.close)
        for _ in range(20):
            bus.publish("X")
        bus.close()
        gate.set()
        self.assertTrue(sub.drained.wait(WAIT))
        self.assertEqual(closes, [True])
        self.assertEqual(sum(lags), sub.missed)
        self.assertGreater(sub.missed, 0)

    def test_a_raising_callback_keeps_its_exception_and_goes_on(self):
        bus = Bus()
        seen = []

        def callback(event):
            seen.append(event.seq)
            if event.seq == 1:
                raise ValueError("first")
        sub = bus.subscribe(callback)
        self.addCleanup(sub.close)
        bus.publish("X")
        bus.publish("X")
        bus.close()
        self.assertTrue(sub.drained.wait(WAIT))
        self.assertEqual(seen, [1, 2])
        self.assertIsInstance(sub.exception, ValueError)

    def test_unsubscribing_from_inside_the_callback(self):
        bus = Bus()
        seen = []
        done = threading.Event()

        def once(event):
            seen.append(event.seq)
            sub.close()
            done.set()
        sub = bus.subscribe(once)
        bus.publish("X")
        self.assertTrue(done.wait(WAIT))
        bus.publish("X")
        bus.close()
        self.assertEqual(seen, [1])
        self.assertTrue(sub.closed)

    def test_unsubscribe_waits_for_the_callback_in_progress(self):
        bus = Bus()
        entered, release = threading.Event(), threading.Event()
        finished = []

        def slow(event):
            entered.set()
            release.wait(WAIT)
            finished.append(event.seq)
        sub = bus.subscribe(slow)
        bus.publish("X")
        self.assertTrue(entered.wait(WAIT))
        threading.Timer(0.05, release.set).start()
        sub.close()
        self.assertEqual(finished, [1])


if __name__ == "__main__":
    unittest.main()
