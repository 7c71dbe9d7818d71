//! A filterable, sortable list with a selection that survives refreshes: the state behind both
//! table panes. Pure data; rendering reads it, `update` changes it.

use std::cmp::Ordering;

/// What a row must offer to be listed.
pub trait ListRow {
    type Column: Copy + Eq + std::fmt::Debug;
    /// Stable identity, used to keep the selection on the same object across refreshes.
    fn key(&self) -> &str;
    /// Whether the row matches a lower-cased filter text.
    fn matches(&self, needle: &str) -> bool;
    fn compare(&self, other: &Self, column: Self::Column) -> Ordering;
    /// Rows are grouped before they are sorted (e.g. orphans after workspaces).
    fn group(&self) -> u8 {
        0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<C> {
    pub column: C,
    pub descending: bool,
}

#[derive(Debug, Clone)]
pub struct ListView<T: ListRow> {
    rows: Vec<T>,
    /// Indices into `rows` that pass the filter, in display order.
    visible: Vec<usize>,
    /// Position in `visible`.
    selected: usize,
    /// First visible position drawn; a hint that render corrects if the selection is off-screen.
    pub offset: usize,
    /// Rows the last frame had room for, for paging.
    pub page: usize,
    filter: String,
    sort: Sort<T::Column>,
}

impl<T: ListRow> ListView<T> {
    pub fn new(sort: Sort<T::Column>) -> Self {
        Self {
            rows: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            page: 10,
            filter: String::new(),
            sort,
        }
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn sort(&self) -> Sort<T::Column> {
        self.sort
    }

    pub fn len(&self) -> usize {
        self.visible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    pub fn selected_index(&self) -> Option<usize> {
        (!self.visible.is_empty()).then_some(self.selected)
    }

    pub fn selected(&self) -> Option<&T> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    /// The visible rows in display order.
    pub fn visible(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        self.visible.iter().map(|&i| &self.rows[i])
    }

    pub fn visible_at(&self, position: usize) -> Option<&T> {
        self.visible.get(position).map(|&i| &self.rows[i])
    }

    /// Replaces the rows, keeping the selection on the same key when it still exists.
    pub fn set_rows(&mut self, rows: Vec<T>) {
        let key = self.selected().map(|r| r.key().to_owned());
        self.rows = rows;
        self.rebuild(key.as_deref());
    }

    /// Changes rows in place (e.g. a measurement arrived), then re-filters and re-sorts.
    pub fn update_rows(&mut self, change: impl FnOnce(&mut [T])) {
        let key = self.selected().map(|r| r.key().to_owned());
        change(&mut self.rows);
        self.rebuild(key.as_deref());
    }

    pub fn set_filter(&mut self, filter: &str) {
        let key = self.selected().map(|r| r.key().to_owned());
        self.filter = filter.to_owned();
        self.rebuild(key.as_deref());
    }

    /// Sorts by `column`; choosing the current column again flips the direction.
    pub fn sort_by(&mut self, column: T::Column) {
        let key = self.selected().map(|r| r.key().to_owned());
        if self.sort.column == column {
            self.sort.descending = !self.sort.descending;
        } else {
            self.sort = Sort {
                column,
                descending: false,
            };
        }
        self.rebuild(key.as_deref());
    }

    fn rebuild(&mut self, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        let rows = &self.rows;
        let mut visible: Vec<usize> = (0..rows.len())
            .filter(|&i| needle.is_empty() || rows[i].matches(&needle))
            .collect();
        let sort = self.sort;
        visible.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a], &rows[b]);
            let by_column = ra.compare(rb, sort.column);
            let by_column = if sort.descending {
                by_column.reverse()
            } else {
                by_column
            };
            ra.group()
                .cmp(&rb.group())
                .then(by_column)
                .then_with(|| ra.key().cmp(rb.key()))
        });
        self.visible = visible;
        let found = keep.and_then(|k| self.visible().position(|r| r.key() == k));
        self.selected = found.unwrap_or(self.selected);
        self.clamp();
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.scroll_to_selection();
    }

    fn scroll_to_selection(&mut self) {
        let page = self.page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.visible.len().saturating_sub(page));
    }

    pub fn select(&mut self, position: usize) {
        self.selected = position;
        self.clamp();
    }

    /// Moves the selection by `delta` rows, stopping at either end.
    pub fn move_by(&mut self, delta: isize) {
        self.select(self.selected.saturating_add_signed(delta));
    }

    pub fn page_down(&mut self) {
        self.move_by(self.page.max(1) as isize);
    }

    pub fn page_up(&mut self) {
        self.move_by(-(self.page.max(1) as isize));
    }

    pub fn first(&mut self) {
        self.select(0);
    }

    pub fn last(&mut self) {
        self.select(usize::MAX);
    }

    /// Scrolls the view without moving past the ends (mouse wheel).
    pub fn scroll(&mut self, delta: isize) {
        self.move_by(delta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct Row(&'static str, u32);

    impl ListRow for Row {
        type Column = bool;
        fn key(&self) -> &str {
            self.0
        }
        fn matches(&self, needle: &str) -> bool {
            self.0.contains(needle)
        }
        fn compare(&self, other: &Self, by_number: bool) -> Ordering {
            if by_number {
                self.1.cmp(&other.1)
            } else {
                self.0.cmp(other.0)
            }
        }
    }

    fn list() -> ListView<Row> {
        let mut l = ListView::new(Sort {
            column: false,
            descending: false,
        });
        l.set_rows(vec![Row("cherry", 1), Row("apple", 3), Row("banana", 2)]);
        l
    }

    fn keys(l: &ListView<Row>) -> Vec<&str> {
        l.visible().map(|r| r.0).collect()
    }

    #[test]
    fn sorts_and_flips_direction() {
        let mut l = list();
        assert_eq!(keys(&l), ["apple", "banana", "cherry"]);
        l.sort_by(true);
        assert_eq!(keys(&l), ["cherry", "banana", "apple"]);
        l.sort_by(true);
        assert_eq!(keys(&l), ["apple", "banana", "cherry"]);
    }

    #[test]
    fn selection_follows_the_row_through_refresh_sort_and_filter() {
        let mut l = list();
        l.move_by(1);
        assert_eq!(l.selected().unwrap().0, "banana");
        l.sort_by(true);
        assert_eq!(l.selected().unwrap().0, "banana");
        l.set_rows(vec![Row("banana", 2), Row("date", 0)]);
        assert_eq!(l.selected().unwrap().0, "banana");
        l.set_filter("an");
        assert_eq!(keys(&l), ["banana"]);
        assert_eq!(l.selected().unwrap().0, "banana");
    }

    #[test]
    fn selection_clamps_when_rows_vanish() {
        let mut l = list();
        l.last();
        l.set_rows(vec![Row("apple", 1)]);
        assert_eq!(l.selected().unwrap().0, "apple");
        l.set_rows(vec![]);
        assert!(l.selected().is_none());
        assert_eq!(l.selected_index(), None);
        l.move_by(5);
        l.page_up();
        assert!(l.selected().is_none());
    }

    #[test]
    fn paging_keeps_the_selection_in_view() {
        let mut l: ListView<Row> = ListView::new(Sort {
            column: true,
            descending: false,
        });
        const NAMES: [&str; 30] = [
            "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b0", "b1", "b2", "b3",
            "b4", "b5", "b6", "b7", "b8", "b9", "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7",
            "c8", "c9",
        ];
        l.set_rows(
            NAMES
                .iter()
                .enumerate()
                .map(|(i, n)| Row(n, i as u32))
                .collect(),
        );
        l.page = 10;
        l.page_down();
        assert_eq!(l.selected_index(), Some(10));
        assert_eq!(l.offset, 1);
        l.last();
        assert_eq!(l.offset, 20);
        l.first();
        assert_eq!(l.offset, 0);
    }
}
