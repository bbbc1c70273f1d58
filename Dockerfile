# The same production image as `bin/build-image` (Jib), for those who prefer a Dockerfile (docs/containers.md):
#   docker build -t mmi:0.1.0-SNAPSHOT .        (--build-arg BASE=<image> for another Java 17+ runtime;
#                                                 docker buildx build --platform linux/amd64,linux/arm64 for both)
#   docker run --rm -p 9876:9876 -e MMI_MQTT_BROKER_URL=tcp://<broker>:1883 -e MMI_MQTT_ALLOW_PLAINTEXT=true \
#     mmi:0.1.0-SNAPSHOT                                                     # simulator, to your broker
#   docker run --rm --group-add dialout --device /dev/ttyACM0 -v /dev/serial/by-id:/dev/serial/by-id:ro \
#     -e MMI_DEVICE_PORT=auto -v mmi-outbox:/var/lib/mmi -e MMI_OUTBOX_DIR=/var/lib/mmi/outbox --env-file mmi.env \
#     mmi:0.1.0-SNAPSHOT
ARG BASE=eclipse-temurin:17-jre

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml eclipse-formatter-config.xml ./
COPY src src
COPY application.properties ./
COPY routes routes
# The image profile: without the embedded development broker (target/image/lib).
RUN ./mvnw -B -ntp -q -Pimage -Dmaven.test.skip=true package

FROM ${BASE}
ARG REVISION=unknown
ARG SOURCE=unknown
# Non-root, uid/gid 10001 as in the Kubernetes manifests; serial access through dialout (added at run time). The data
# folder belongs to it, so that a new named volume there is writable.
RUN groupadd --gid 10001 mmi && useradd --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin mmi \
    && mkdir -p /var/lib/mmi && chown 10001:10001 /var/lib/mmi && chmod 0750 /var/lib/mmi
WORKDIR /app
COPY --from=build /src/target/image/lib/ /app/lib/
COPY --from=build /src/target/image/mmi.jar /app/mmi.jar
COPY application.properties /app/
COPY routes/*.camel.yaml /app/routes/
LABEL org.opencontainers.image.title=mmi org.opencontainers.image.description="MultispeQ MQTT Interface" \
      org.opencontainers.image.version=0.1.0-SNAPSHOT org.opencontainers.image.revision=${REVISION} \
      org.opencontainers.image.source=${SOURCE}
USER 10001:10001
# Health and metrics reach a container only on its own interfaces (mmi listens on 127.0.0.1 by default).
ENV MMI_HTTP_HOST=0.0.0.0
EXPOSE 9876
# Heap from the container's memory limit; the temp dir holds jSerialComm's native library (an emptyDir in Kubernetes).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-jar", "/app/mmi.jar"]
CMD ["run"]
