import { buildDigest, type DigestPayload } from "@herald/contract";
import type { Database } from "@herald/db";

/** The digest a user would get if it were sent now. */
export async function previewDigest(db: Database, userId: string, now = new Date()): Promise<DigestPayload & { enabled: boolean }> {
  const [settings, rows] = await Promise.all([
    db.userNotificationSettings.findUnique({ where: { userId }, select: { digestEnabled: true, digestLastSentAt: true } }),
    db.notification.findMany({
      where: { userId, status: "digest" },
      orderBy: { id: "asc" },
      select: { id: true, eventId: true, eventType: true, title: true, body: true, createdAt: true },
    }),
  ]);
  const from = settings?.digestLastSentAt ?? rows[0]?.createdAt ?? now;
  const items = rows.map((r) => ({
    notificationId: Number(r.id),
    eventId: r.eventId,
    type: r.eventType,
    title: r.title,
    body: r.body,
    createdAt: r.createdAt.toISOString(),
  }));
  return { enabled: settings?.digestEnabled ?? false, ...buildDigest(items, from, now) };
}
