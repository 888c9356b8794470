import { useCallback, useMemo, useState } from 'react';
import type { HeraldEvent, Post } from './api/types.js';
import type { SignedInUser } from './auth/session.js';
import { EventList } from './components/EventList.js';
import { EventRateChart } from './components/EventRateChart.js';
import { Header } from './components/Header.js';
import { ConsumerLagPanel } from './components/ConsumerLag.js';
import { InventoryCards, inventorySource } from './components/InventoryCards.js';
import { LowStockToasts } from './components/LowStockToasts.js';
import { PostsPanel } from './components/PostsPanel.js';
import { ProductsTable } from './components/ProductsTable.js';
import { useConsumerLag } from './hooks/useConsumerLag.js';
import { useEventRates } from './hooks/useEventRates.js';
import { useInventory } from './hooks/useInventory.js';
import { useNotifications } from './hooks/useNotifications.js';
import { usePosts } from './hooks/usePosts.js';
import { useProducts } from './hooks/useProducts.js';
import { prependEvents } from './state/event-log.js';
import { summaryFromInventory, summaryFromProducts } from './state/inventory-summary.js';
import { addToasts, dismissToast, isLowStockWarning, type LowStockToast } from './state/low-stock-alerts.js';
import { mayNotify } from './state/notifications.js';
import { useEventStream } from './stream/useEventStream.js';

const PRODUCT_EVENTS: ReadonlySet<string> = new Set(['ProductCreated', 'ProductUpdated', 'ProductDeleted', 'StockAdjusted', 'LowStockWarning']);

function isProductEvent(event: HeraldEvent): boolean {
  return PRODUCT_EVENTS.has(event.type);
}

interface AppProps {
  user: SignedInUser;
  onSignOut(): void;
  /** A single-use ticket for each connection to the event stream. */
  streamTicket(): Promise<string>;
}

export function App({ user, onSignOut, streamTicket }: AppProps) {
  const products = useProducts();
  const posts = usePosts();
  const inventory = useInventory();
  const rates = useEventRates(60);
  const lag = useConsumerLag();
  const notifications = useNotifications();
  const [events, setEvents] = useState<HeraldEvent[]>([]);
  const [toasts, setToasts] = useState<LowStockToast[]>([]);
  const [warnings, setWarnings] = useState(0);

  const onEvents = (batch: HeraldEvent[]) => {
    setEvents((log) => prependEvents(log, batch));
    rates.addEvents(batch);
    const lowStock = batch.filter(isLowStockWarning).length;
    if (lowStock > 0) {
      setToasts((current) => addToasts(current, batch));
      setWarnings((n) => n + lowStock);
    }
    // The products table and the posts follow from the events themselves; the inventory figures
    // (after product events) and the consumers' lag are read again once the burst is over.
    products.applyEvents(batch);
    posts.applyEvents(batch);
    if (batch.some(isProductEvent)) inventory.refresh();
    lag.refresh();
    if (batch.some((event) => mayNotify(event, user.id))) notifications.refresh();
  };
  // Events were missed: what is derived from them is read again in full.
  const onResync = () => {
    products.reload();
    posts.reload();
    inventory.refresh();
    notifications.refresh();
  };
  const stream = useEventStream({ onEvents, onResync, streamTicket });

  // A post written here: shown at once; its image's verdict comes by the stream, or by reading the posts again.
  const { put: putPost, awaitImage } = posts;
  const onPublished = useCallback(
    (post: Post) => {
      putPost(post);
      if (post.image?.status === 'pending') awaitImage(post.id);
    },
    [putPost, awaitImage],
  );
  const dismiss = useCallback((id: string) => setToasts((current) => dismissToast(current, id)), []);
  const skuById = useMemo(() => new Map(products.products.map((p) => [p.id, p.sku])), [products.products]);
  const skuOf = useCallback((id: string) => skuById.get(id), [skuById]);
  const handleOf = useCallback((id: string) => posts.authors.get(id)?.handle, [posts.authors]);
  const summary = inventory.inventory ? summaryFromInventory(inventory.inventory) : summaryFromProducts(products.products);

  return (
    <div className="app">
      <Header
        status={stream.status}
        onRetry={stream.reconnectNow}
        warnings={warnings}
        onResetWarnings={() => setWarnings(0)}
        notifications={notifications.unread}
        onReadNotifications={() => void notifications.markAllRead().catch(() => {})}
        user={user}
        onSignOut={onSignOut}
      />
      <main className="layout">
        <InventoryCards summary={summary} source={inventorySource(inventory.inventory ? inventory.inventory.updated_at : undefined)} />
        <EventRateChart rates={rates.rates} now={rates.now} note={rates.error ? 'analytics unavailable, counting live events only' : undefined} />
        <ConsumerLagPanel lag={lag.lag} error={lag.error} />
        <div className="columns">
          <EventList events={events} skuOf={skuOf} handleOf={handleOf} />
          <ProductsTable products={products.products} loading={products.loading} error={products.error} />
        </div>
        <PostsPanel
          posts={posts.posts}
          sort={posts.sort}
          onSort={posts.setSort}
          authors={posts.authors}
          stats={posts.stats}
          loading={posts.loading}
          error={posts.error}
          onPublished={onPublished}
          onImageExpired={posts.reload}
        />
      </main>
      <LowStockToasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}
